// The few socket operations the parent and the session children need, with
// errors as text for the log. Every descriptor made here is close-on-exec,
// so that a handler's child process (or the re-executed parent, for all
// but the listening socket it is handed on purpose) inherits none.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace httpgate::appserver::detail {

// A non-blocking listening socket on `address`:`port` with SO_REUSEADDR; an
// IPv6 wildcard ("::") is made dual-stack. `address` is an IP literal
// ("127.0.0.1", "::1", "[::]"; net::parseIpAddress): host names are not
// resolved, an app server binds where it is told. Returns the socket or
// the message for the log.
Result<int> listenOn(std::string_view address, uint16_t port);

// A session child's own listening socket on `address`: the first port of
// first..last that is free, or any port when both are 0. Returns the socket,
// or the message for the log when none is free.
Result<int> listenOnSessionPort(std::string_view address, uint16_t first, uint16_t last);

// The local port of a bound socket (0 on error).
uint16_t localPort(int fd);
// The address of a connected socket's peer (net::addressText and
// net::isLoopback read it); all zero, family AF_UNSPEC, when getpeername()
// fails.
sockaddr_storage peerOf(int fd);
// The local address as "A:P" or "[A]:P" for the log (net::endpointText).
std::string localEndpoint(int fd);

bool setNonBlocking(int fd);
// Writes all of `data` to a blocking or non-blocking socket within the
// socket buffer; returns the bytes written (MSG_NOSIGNAL: no SIGPIPE).
size_t sendSome(int fd, std::string_view data);

}  // namespace httpgate::appserver::detail
