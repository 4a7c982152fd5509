// Parsers for the scalar values of the configuration: durations, sizes,
// numbers, port ranges, host names and addresses. They take the text as
// written and return the value or the message that says what is wrong with
// it (a Result, common/result.h); the loader adds the file, position and
// key path. Only the resolve* functions touch the system (getaddrinfo).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gate/config/config.h"

namespace httpgate::gate {

// "500ms", "20s", "7m", "1h": decimal digits and one unit, nothing else.
Result<Duration> parseDuration(std::string_view text);

// "16384" (bytes), "16KiB", "1MiB".
Result<uint64_t> parseSize(std::string_view text);

// Decimal digits only (no sign, space or base prefix); nullopt when the text
// is anything else or the value is above `max`.
std::optional<uint64_t> parseNumber(std::string_view text, uint64_t max);

// "8080" or "1024-65535": ports 1..65535 and first <= last.
Result<PortRange> parsePortRange(std::string_view text);

// "HOST:PORT" split in two. IPv6 hosts are written in brackets ("[::]:443");
// the brackets are removed from `host`. PORT is 0..65535.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  bool bracketed = false;
};
Result<HostPort> splitHostPort(std::string_view text);

// Resolves a listening or admin address such as "[::]:443", "0.0.0.0:443",
// "127.0.0.1:0" or "localhost:8443" with getaddrinfo(); the first result wins.
Result<SocketAddress> resolveAddress(std::string_view text);

// Resolves a backend host without a port ("127.0.0.1", "::1", "[::1]",
// "app1.lan"); the result has port 0.
Result<SocketAddress> resolveHost(std::string_view host);

// True when `a` and `b` would bind the same socket: same family, address and
// port, and the port is not 0 (each port-0 listener gets a port of its own).
bool sameBindAddress(const SocketAddress& a, const SocketAddress& b);

}  // namespace httpgate::gate
