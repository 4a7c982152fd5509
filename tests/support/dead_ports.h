// Ports that misbehave at the TCP level, for the gate's failure paths.
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
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

  // The local ports of the sockets now trying to connect to port() (in
  // SYN_SENT, per /proc/net/tcp), the blackhole's own fillers left out.
  std::set<uint16_t> connectingPorts() const;

 private:
  std::string host_;
  UniqueFd listener_;
  std::vector<UniqueFd> fillers_;
  std::set<uint16_t> fillerPorts_;
  uint16_t port_ = 0;
  bool works_ = false;
  std::string why_;
};

// Counts the connect attempts to a Blackhole: a thread polls
// connectingPorts() every few milliseconds until stop() or `limit`, and
// every socket seen trying is one attempt (a retry is a new socket on a new
// local port). An attempt lives for the gate's connect timeout, far longer
// than the polling interval.
class ConnectAttempts {
 public:
  ConnectAttempts(const Blackhole& blackhole, Millis limit);
  ~ConnectAttempts();
  ConnectAttempts(const ConnectAttempts&) = delete;
  ConnectAttempts& operator=(const ConnectAttempts&) = delete;

  // Stops watching; the local ports of every attempt seen.
  std::set<uint16_t> stop();

 private:
  std::atomic<bool> stop_{false};
  std::set<uint16_t> seen_;
  std::thread thread_;
};

}  // namespace httpgate::test
