// Ports that misbehave at the TCP level, for the gate's failure paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/sockets.h"

namespace httpgate::test {

// A loopback port of `host` nothing listens on: connecting is refused
// (RST). Bound and closed again, so the kernel just handed it out and
// reuses it late.
uint16_t refusingPort(const std::string& host = "127.0.0.1");

// Listens but never accept()s: the kernel completes handshakes and takes
// the request bytes, and no answer ever comes.
class SilentListener {
 public:
  SilentListener();
  uint16_t port() const { return port_; }

 private:
  UniqueFd listener_;
  uint16_t port_ = 0;
};

// A loopback port of `host` where connect() hangs: a listener with backlog
// 0 whose accept queue is filled by one connection, so the kernel drops
// further SYNs. Whether that holds is checked with a probe; see works().
class Blackhole {
 public:
  explicit Blackhole(const std::string& host = "127.0.0.1");
  uint16_t port() const { return port_; }
  // Closes the listener and its queued connections: the port is free again.
  void close();
  // True when a probe connection was still pending after a while, i.e.
  // connects to port() really hang on this kernel.
  bool works() const { return works_; }
  const std::string& why() const { return why_; }

 private:
  UniqueFd listener_;
  std::vector<UniqueFd> fillers_;
  uint16_t port_ = 0;
  bool works_ = false;
  std::string why_;
};

}  // namespace httpgate::test
