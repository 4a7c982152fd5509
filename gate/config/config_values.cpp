#include "gate/config/config_values.h"

#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <limits>

#include "common/net/address.h"

namespace httpgate::gate {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Splits "123unit" into the digits and the rest.
std::pair<std::string_view, std::string_view> splitDigits(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && isDigit(text[n])) {
    ++n;
  }
  return {text.substr(0, n), text.substr(n)};
}

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Looks `host` up for a stream socket; `numericOnly` for bracketed IPv6 text,
// which must never go to DNS.
Result<SocketAddress> lookup(const std::string& host, uint16_t port, bool numericOnly) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : 0);
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    return Result<SocketAddress>::fail("cannot resolve " + quoted(host) + ": " + gai_strerror(rc));
  }
  SocketAddress address;
  std::memcpy(&address.storage, result->ai_addr, result->ai_addrlen);
  address.length = result->ai_addrlen;
  freeaddrinfo(result);
  return Result<SocketAddress>::success(address);
}

}  // namespace

std::optional<uint64_t> parseNumber(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 19) {
    return std::nullopt;  // 19 digits always fit in uint64_t
  }
  uint64_t value = 0;
  for (char c : text) {
    if (!isDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > max) {
    return std::nullopt;
  }
  return value;
}

Result<Duration> parseDuration(std::string_view text) {
  const auto [digits, unit] = splitDigits(text);
  uint64_t perUnit = 0;
  if (unit == "ms") {
    perUnit = 1;
  } else if (unit == "s") {
    perUnit = 1000;
  } else if (unit == "m") {
    perUnit = 60 * 1000;
  } else if (unit == "h") {
    perUnit = 60 * 60 * 1000;
  } else if (unit == "d") {
    perUnit = 24 * 60 * 60 * 1000;
  }
  const auto count = parseNumber(digits, std::numeric_limits<uint64_t>::max());
  if (perUnit == 0 || !count) {
    return Result<Duration>::fail("invalid duration " + quoted(text) + " (use ms, s, m, h or d)");
  }
  const uint64_t max = static_cast<uint64_t>(std::numeric_limits<Duration::rep>::max());
  if (*count > max / perUnit) {
    return Result<Duration>::fail("duration " + quoted(text) + " is too large");
  }
  return Result<Duration>::success(Duration(static_cast<Duration::rep>(*count * perUnit)));
}

Result<uint64_t> parseSize(std::string_view text) {
  const auto [digits, unit] = splitDigits(text);
  uint64_t perUnit = 0;
  if (unit.empty()) {
    perUnit = 1;
  } else if (unit == "KiB") {
    perUnit = 1024;
  } else if (unit == "MiB") {
    perUnit = 1024 * 1024;
  }
  const auto count = parseNumber(digits, std::numeric_limits<uint64_t>::max());
  if (perUnit == 0 || !count) {
    return Result<uint64_t>::fail("invalid size " + quoted(text) + " (use bytes, KiB or MiB)");
  }
  if (*count > std::numeric_limits<uint64_t>::max() / perUnit) {
    return Result<uint64_t>::fail("size " + quoted(text) + " is too large");
  }
  return Result<uint64_t>::success(*count * perUnit);
}

Result<PortRange> parsePortRange(std::string_view text) {
  const size_t dash = text.find('-');
  const std::string_view firstText = text.substr(0, dash);
  const std::string_view lastText =
      dash == std::string_view::npos ? firstText : text.substr(dash + 1);
  // Parse beyond 65535 so that "70000" gets the range message, not the syntax one.
  const auto first = parseNumber(firstText, 999'999);
  const auto last = parseNumber(lastText, 999'999);
  if (!first || !last) {
    return Result<PortRange>::fail("invalid port range " + quoted(text) +
                                   " (use a port or \"first-last\")");
  }
  if (*first < 1 || *last < 1 || *first > 65535 || *last > 65535) {
    return Result<PortRange>::fail("port range " + quoted(text) +
                                   ": ports are numbers from 1 to 65535");
  }
  if (*first > *last) {
    return Result<PortRange>::fail("port range " + quoted(text) +
                                   ": the first port is greater than the last");
  }
  return Result<PortRange>::success(
      PortRange{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)});
}

Result<HostPort> splitHostPort(std::string_view text) {
  const auto invalid = [&] {
    return Result<HostPort>::fail("invalid address " + quoted(text) +
                                  " (use HOST:PORT, e.g. \"[::]:443\" or \"127.0.0.1:8443\")");
  };
  HostPort result;
  std::string_view portText;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return invalid();
    }
    result.host = std::string(text.substr(1, close - 1));
    result.bracketed = true;
    portText = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return invalid();
    }
    if (text.substr(0, colon).find(':') != std::string_view::npos) {
      return Result<HostPort>::fail("invalid address " + quoted(text) +
                                    " (write IPv6 addresses in brackets, e.g. \"[::1]:443\")");
    }
    result.host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
  }
  const auto port = parseNumber(portText, 65535);
  if (!port) {
    return invalid();
  }
  result.port = static_cast<uint16_t>(*port);
  return Result<HostPort>::success(std::move(result));
}

Result<SocketAddress> resolveAddress(std::string_view text) {
  auto split = splitHostPort(text);
  if (!split.ok()) {
    return Result<SocketAddress>::fail(std::move(split).error());
  }
  const HostPort& hostPort = split.value();
  return lookup(hostPort.host, hostPort.port, hostPort.bracketed);
}

Result<SocketAddress> resolveHost(std::string_view host) {
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.find_first_of("[]/ ") != std::string_view::npos) {
    return Result<SocketAddress>::fail("invalid host " + quoted(host));
  }
  // A colon can only be part of an IPv6 address here: a port is not allowed.
  if (bracketed || host.find(':') != std::string_view::npos) {
    auto numeric = lookup(std::string(host), 0, true);
    if (!numeric.ok()) {
      return Result<SocketAddress>::fail("invalid host " + quoted(host) +
                                         " (a name or an address, without a port)");
    }
    return numeric;
  }
  return lookup(std::string(host), 0, false);
}

bool sameBindAddress(const SocketAddress& a, const SocketAddress& b) {
  const uint16_t port = net::portOf(a.storage);
  return port != 0 && port == net::portOf(b.storage) && net::sameHost(a.storage, b.storage);
}

}  // namespace httpgate::gate
