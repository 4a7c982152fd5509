// A backend that is not HTTP after the request head: it reads a head (up to
// the empty line), then exactly `rawLength` raw bytes, answers `reply`
// followed by those bytes, and closes. As lib/replica.l behind a gate: the
// gate must carry both directions verbatim. One thread serves connections
// one after the other; every wait is bounded.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/sockets.h"

namespace httpgate::test {

struct RawExchange {
  std::string head;  // through the empty line, as received
  std::string raw;   // the bytes read after it (fewer than asked on EOF or timeout)
};

class RawServer {
 public:
  // Listens on 127.0.0.1, port 0, at once.
  RawServer(size_t rawLength, std::string reply);
  // Stops accepting, cuts a connection in progress and joins the thread.
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  uint16_t port() const { return port_; }
  size_t connectionCount() const;
  // The connections served so far.
  std::vector<RawExchange> exchanges() const;
  // Waits until `count` connections have been served (closed by the server).
  bool waitForExchanges(size_t count, Millis timeout) const;

 private:
  void serveLoop();
  RawExchange serve(int fd);

  size_t rawLength_;
  std::string reply_;
  UniqueFd listener_;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  bool stopping_ = false;
  int serving_ = -1;  // the connection being served, for the destructor
  size_t connections_ = 0;
  std::vector<RawExchange> exchanges_;
  std::thread thread_;
};

}  // namespace httpgate::test
