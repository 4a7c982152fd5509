// The few socket operations the parent and the session children need, with
// errors as text for the log. Every descriptor made here is close-on-exec,
// so that a handler's child process (or the re-executed parent, for all
// but the listening socket it is handed on purpose) inherits none.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpgate::appserver::detail {

// An IP literal ("127.0.0.1", "::1", "[::]") as a socket address with
// `port`; nullopt when `address` is not one (host names are not resolved:
// an app server binds where it is told).
std::optional<sockaddr_storage> parseAddress(std::string_view address, uint16_t port);

// A non-blocking listening socket on `address`:`port` with SO_REUSEADDR; an
// IPv6 wildcard ("::") is made dual-stack. Returns -1 with `error` set.
int listenOn(std::string_view address, uint16_t port, std::string& error);

// A session child's own listening socket on `address`: the first port of
// first..last that is free, or any port when both are 0. Returns -1 with
// `error` set when none is.
int listenOnSessionPort(std::string_view address, uint16_t first, uint16_t last,
                        std::string& error);

// The local port of a bound socket (0 on error).
uint16_t localPort(int fd);
// The address of a connected socket's peer as text: "192.0.2.1", "::1";
// an IPv4-mapped IPv6 address ("::ffff:192.0.2.1") as plain IPv4.
std::string peerAddress(int fd);
// The local address as "A:P" or "[A]:P" for the log.
std::string localEndpoint(int fd);
// Whether `address` (as peerAddress() writes it) is a loopback address.
bool isLoopback(std::string_view address);

bool setNonBlocking(int fd);
// Writes all of `data` to a blocking or non-blocking socket within the
// socket buffer; returns the bytes written (MSG_NOSIGNAL: no SIGPIPE).
size_t sendSome(int fd, std::string_view data);

}  // namespace httpgate::appserver::detail
