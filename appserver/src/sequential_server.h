// The sequential model: one process serves every session on the
// application's own port. A request without a session id opens a session
// (an object keyed by a fresh id, no process, no port of its own); the
// following ones carry the id in the path, /<sesid>~/..., as on a session
// port; an unknown id is 403, sessions idle for sessionTimeout are
// dropped. Keep-alive works on every request, the first one too: every
// request names its session. For development and tiny deployments: one
// handler that crashes ends every session, and a HUP (which re-executes
// the program on the same socket, as the parent of the other models does)
// loses the sessions held in memory.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include "appserver/src/connection_set.h"
#include "appserver/src/reexec.h"
#include "appserver/src/routes.h"
#include "appserver/src/signals.h"
#include "appserver/src/tls_server.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver {

class SequentialServer final : private detail::Answerer {
 public:
  SequentialServer(const Options& options, const detail::Routes& routes,
                   const detail::TlsServer* tls, int argc, char** argv);

  // Runs until TERM/INT or retirement; returns the exit status (1 when the
  // port cannot be opened).
  int run();

 private:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    Session session;
    std::string address;  // the client address that opened it
    Clock::time_point lastRequest;
    unsigned long serial;  // for the log: the id itself is a secret
  };

  void answer(detail::Connection& connection) override;
  void rejected(detail::Connection&) override {}
  // Opens a session for `request` (answered into `response`); kept only
  // when the handler's answer is not an error.
  void open(const Request& request, Response& response);
  void expire(Clock::time_point now);
  Clock::time_point wakeUp(Clock::time_point now) const;

  const Options& options_;
  const detail::Routes& routes_;
  detail::Reexec reexec_;
  detail::SignalPipe signals_;
  detail::ConnectionSet connections_;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::unordered_map<std::string, Entry> sessions_;
  unsigned long serial_ = 0;
  Clock::time_point nextExpiry_ = Clock::time_point::max();
  Clock::time_point lastSession_;  // when the last session ended (or start-up)
  // TERM/INT or HUP: no new requests; answers being written get until
  // stopDeadline_, then the process exits or re-executes.
  enum class Stop { None, Exit, Reexecute } stop_ = Stop::None;
  Clock::time_point stopDeadline_;
};

}  // namespace httpgate::appserver
