// Loopback socket helpers: an owning descriptor, bounded connect, listening
// on port 0. All descriptors are close-on-exec so the gate never inherits
// one of the test's sockets.
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/deadline.h"

namespace httpgate::test {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Connects to `host` (an IPv4 or IPv6 literal) : `port` within `timeout`,
// from the address `source` when not empty (e.g. 127.0.0.2: another client
// on loopback). On failure returns an invalid descriptor and, if `error`
// is given, the reason (e.g. "Connection refused").
UniqueFd connectTcp(const std::string& host, uint16_t port, Millis timeout,
                    std::string* error = nullptr, const std::string& source = "");

// A socket bound to `host`:`wanted` (0: any free port; else with
// SO_REUSEADDR, to take over a port a test just closed) and listening with
// `backlog`; its port is stored in `port`. Throws on failure.
UniqueFd listenTcp(const std::string& host, int backlog, uint16_t* port, uint16_t wanted = 0);

// A port that is free now, for a program the test starts to listen on
// later, taken from below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range): a port from inside it may meanwhile
// become the source port of some outgoing connection (another test's
// client), and the program's bind then fails with EADDRINUSE.
uint16_t freePortOutsideEphemeralRange();

// The local port of a bound socket.
uint16_t localPort(int fd);

// SO_RCVTIMEO / SO_SNDTIMEO; a zero timeout is raised to 1 ms, because zero
// would mean "block forever".
void setReceiveTimeout(int fd, Millis timeout);
void setSendTimeout(int fd, Millis timeout);

// Whether ::1 can be bound on this machine.
bool ipv6LoopbackAvailable();

}  // namespace httpgate::test
