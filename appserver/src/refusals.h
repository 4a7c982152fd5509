// The connections the parent answers itself with 503 when maxSessions is
// reached: the answer written (through TLS when the app speaks it: the
// handshake is driven here, non-blocking), our side shut down, and what
// the client still sends drained until it closes or a second has passed,
// so that a reset does not destroy the answer. Never waits on a client.
#pragma once

#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "appserver/src/tls_server.h"

namespace httpgate::appserver::detail {

class Refusals {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Refusals(const TlsServer* tls) : tls_(tls) {}
  ~Refusals() { closeAll(); }
  Refusals(const Refusals&) = delete;
  Refusals& operator=(const Refusals&) = delete;

  // Answers accepted `fd` with 503 and takes it over.
  void add(int fd, Clock::time_point now);
  bool empty() const { return refused_.empty(); }
  // One pollfd per connection appended to `fds`.
  void watch(std::vector<pollfd>& fds) const;
  // Writes, drains and closes what is done or too old.
  void progress(Clock::time_point now);
  void closeAll();
  // Their descriptors, for a forked child to close.
  std::vector<int> descriptors() const;

 private:
  struct Refused {
    int fd;
    Clock::time_point until;
    std::unique_ptr<TlsLink> tls;  // null on plain HTTP
    std::string out;               // the answer not yet written
    bool shut = false;             // written, our side shut down: draining
  };
  // Whether `refused` is finished.
  static bool advance(Refused& refused);

  const TlsServer* tls_;
  std::vector<Refused> refused_;
};

}  // namespace httpgate::appserver::detail
