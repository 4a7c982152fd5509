// Socket addresses as the gate and the app-server library show, compare and
// read them: an IP address as text (an IPv4-mapped IPv6 address shown as
// the IPv4 address it carries), "A:P" / "[A]:P" for logs, the port, the
// loopback check, and IP literals read into a sockaddr. Plain functions of
// a sockaddr_storage: no sockets are opened, no names resolved (the gate's
// configuration resolves host names itself, gate/config/config_values.h).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpgate::net {

// Room for any text formatAddress() writes, NUL included.
inline constexpr size_t kAddressTextSize = INET6_ADDRSTRLEN;

// Writes the IP address of `address` (without its port) into `out`, which
// holds `size` bytes, NUL-terminated: "192.0.2.1", "2001:db8::7", and an
// IPv4-mapped IPv6 address ("::ffff:192.0.2.1") as the plain IPv4 address.
// Allocates nothing, for the accept path; with `size` >= kAddressTextSize
// every address fits. A family other than AF_INET and AF_INET6, or a
// buffer too small, leaves "" (when `size` > 0).
void formatAddress(const sockaddr_storage& address, char* out, size_t size);

// The same as a string.
std::string addressText(const sockaddr_storage& address);

// The address and its port for logs: "192.0.2.1:443", "[::1]:8080" (an
// IPv6 address in brackets, an IPv4-mapped one as IPv4 without them).
std::string endpointText(const sockaddr_storage& address);

// The port of an AF_INET or AF_INET6 address in host byte order; 0 for any
// other family.
uint16_t portOf(const sockaddr_storage& address);

// Sets the port of an AF_INET or AF_INET6 address; other families are left
// as they are.
void setPort(sockaddr_storage& address, uint16_t port);

// True when `a` and `b` are the same IP address: same family, same address
// and, for IPv6, the same scope. Ports are not compared. False for families
// other than AF_INET and AF_INET6.
bool sameHost(const sockaddr_storage& a, const sockaddr_storage& b);

// True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: addresses only this
// machine can reach.
bool isLoopback(const sockaddr_storage& address);

// An IP literal ("127.0.0.1", "::1", "[::1]", "[::]") as a socket address
// with `port`; nullopt for anything else (host names are not resolved, and
// neither a port nor an IPv6 zone is read from the text).
std::optional<sockaddr_storage> parseIpAddress(std::string_view text, uint16_t port);

}  // namespace httpgate::net
