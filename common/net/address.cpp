#include "common/net/address.h"

#include <arpa/inet.h>

#include <cstring>

namespace httpgate::net {

namespace {

const sockaddr_in& v4Of(const sockaddr_storage& address) {
  return reinterpret_cast<const sockaddr_in&>(address);
}

const sockaddr_in6& v6Of(const sockaddr_storage& address) {
  return reinterpret_cast<const sockaddr_in6&>(address);
}

}  // namespace

void formatAddress(const sockaddr_storage& address, char* out, size_t size) {
  if (size == 0) {
    return;
  }
  out[0] = '\0';
  const char* written = nullptr;
  const auto length = static_cast<socklen_t>(size);
  if (address.ss_family == AF_INET) {
    written = ::inet_ntop(AF_INET, &v4Of(address).sin_addr, out, length);
  } else if (address.ss_family == AF_INET6) {
    const in6_addr& v6 = v6Of(address).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      written = ::inet_ntop(AF_INET, &v6.s6_addr[12], out, length);
    } else {
      written = ::inet_ntop(AF_INET6, &v6, out, length);
    }
  }
  if (written == nullptr) {
    out[0] = '\0';  // inet_ntop leaves the buffer undefined on ENOSPC
  }
}

std::string addressText(const sockaddr_storage& address) {
  char text[kAddressTextSize];
  formatAddress(address, text, sizeof text);
  return text;
}

std::string endpointText(const sockaddr_storage& address) {
  const std::string host = addressText(address);
  const std::string port = std::to_string(portOf(address));
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + port;
  }
  return host + ":" + port;
}

uint16_t portOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(v4Of(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(v6Of(address).sin6_port);
  }
  return 0;
}

void setPort(sockaddr_storage& address, uint16_t port) {
  if (address.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in&>(address).sin_port = htons(port);
  } else if (address.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6&>(address).sin6_port = htons(port);
  }
}

bool sameHost(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) {
    return false;
  }
  if (a.ss_family == AF_INET) {
    return v4Of(a).sin_addr.s_addr == v4Of(b).sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const sockaddr_in6& x = v6Of(a);
    const sockaddr_in6& y = v6Of(b);
    return std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0 &&
           x.sin6_scope_id == y.sin6_scope_id;
  }
  return false;
}

bool isLoopback(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return (ntohl(v4Of(address).sin_addr.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  if (address.ss_family == AF_INET6) {
    const in6_addr& v6 = v6Of(address).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      return v6.s6_addr[12] == 127;  // ::ffff:127.0.0.0/104
    }
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

std::optional<sockaddr_storage> parseIpAddress(std::string_view text, uint16_t port) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.find('\0') != std::string_view::npos) {
    return std::nullopt;  // inet_pton would stop at it and read a prefix
  }
  const std::string literal(text);  // inet_pton wants a NUL-terminated string
  sockaddr_storage out{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(out);
  if (::inet_pton(AF_INET, literal.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return out;
  }
  out = sockaddr_storage{};
  auto& v6 = reinterpret_cast<sockaddr_in6&>(out);
  if (::inet_pton(AF_INET6, literal.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return out;
  }
  return std::nullopt;
}

}  // namespace httpgate::net
