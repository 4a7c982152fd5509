// The client connections of one serving process (a session child or the
// sequential server) in its poll() loop: what each waits for, reading,
// cutting the bytes into requests, writing the answers, and closing. Who
// answers a complete request is the Answerer's business.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <vector>

#include "appserver/src/connection.h"
#include "appserver/src/tls_server.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

class Answerer {
 public:
  // Answers the complete request in connection.reader (appending to
  // connection.out, setting connection.closing to end it).
  virtual void answer(Connection& connection) = 0;
  // The reader failed on `connection`: it has been answered with the error
  // and is closing.
  virtual void rejected(Connection& connection) = 0;

 protected:
  ~Answerer() = default;
};

class ConnectionSet {
 public:
  using Clock = std::chrono::steady_clock;

  // At most `maxConnections` at once: more are closed as they are accepted.
  ConnectionSet(const Options& options, const TlsServer* tls, size_t maxConnections)
      : options_(options), tls_(tls), maxConnections_(maxConnections) {}
  ~ConnectionSet();
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;

  // Adds accepted `fd` (made non-blocking), with TLS when on; the new
  // connection, or null (fd closed) when its TLS session cannot be made.
  Connection* add(int fd);
  // Accepts what `listenFd` holds, within maxConnections.
  void acceptFrom(int listenFd);

  bool empty() const { return connections_.empty(); }
  size_t size() const { return connections_.size(); }
  // Whether an answer is still being written.
  bool writing() const;

  // What the loop waits for: one pollfd per connection appended to `fds`.
  struct Watch {
    bool tlsPending = false;  // decrypted input waits: poll without sleeping
    bool lingering = false;   // a closing connection waits: wake up soon
  };
  Watch watch(std::vector<pollfd>& fds, bool terminating) const;
  // After poll(): serves the connections whose pollfds start at fds[first].
  void serve(const std::vector<pollfd>& fds, size_t first, Answerer& answerer);
  // Closes the finished connections, and when `terminating` the idle ones.
  void sweep(Clock::time_point now, bool terminating);
  void closeAll();

 private:
  void process(Connection& connection, Answerer& answerer);

  const Options& options_;
  const TlsServer* tls_;
  const size_t maxConnections_;
  std::list<Connection> connections_;
};

}  // namespace httpgate::appserver::detail
