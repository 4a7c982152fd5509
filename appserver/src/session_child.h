// The session process: forked for one new session, either when the visitor
// arrives (the fork model) or in advance (the pool model, where it waits
// ready for the parent to hand it a visitor's connection). It binds a port
// of its own and makes its session id before the visitor is there, answers
// the request that opened the session on the connection from the parent
// (with "Connection: close": the gate pools connections per port, and a
// kept-alive connection to the parent's port could later carry another
// user's request into this session), and then serves only requests that
// carry its session id on its own port, several keep-alive connections at
// once, until it has been idle for sessionTimeout or gets TERM.
#pragma once

#include <chrono>
#include <string>

#include "appserver/src/connection_set.h"
#include "appserver/src/routes.h"
#include "appserver/src/signals.h"
#include "appserver/src/tls_server.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver {

class SessionChild final : private detail::Answerer {
 public:
  // The fork model: runs in the child right after fork(), with the
  // parent's descriptors already closed and signals still blocked. Takes
  // `firstFd`, the accepted connection. Never returns: the process ends
  // with _exit(0). `tls` (null: plain HTTP) wraps every connection.
  [[noreturn]] static void run(const Options& options, const detail::Routes& routes,
                               const detail::TlsServer* tls, int firstFd);
  // The pool model: as run(), but the process gets ready first (port,
  // id made), reports it on `channel` (handoff.h), and waits there
  // for the connection; it exits quietly when the channel closes or TERM
  // comes first.
  [[noreturn]] static void runReady(const Options& options, const detail::Routes& routes,
                                    const detail::TlsServer* tls, int channel);

 private:
  using Clock = std::chrono::steady_clock;

  SessionChild(const Options& options, const detail::Routes& routes, const detail::TlsServer* tls);
  void adopt(int firstFd);
  // Waits on `channel` for the connection; the descriptor or -1.
  int awaitVisitor(int channel);
  [[noreturn]] void serve();
  [[noreturn]] void end(const char* why);
  void answer(detail::Connection& connection) override;
  void rejected(detail::Connection& connection) override;
  Clock::time_point deadline() const;

  const Options& options_;
  const detail::Routes& routes_;
  detail::SignalPipe signals_;
  Session session_;
  int listenFd_ = -1;
  std::string bindError_;
  detail::ConnectionSet connections_;
  std::string firstAddress_;  // the client address that opened the session
  bool started_ = false;      // the first request was answered without an error
  bool firstDone_ = false;    // the first request was answered at all
  bool terminating_ = false;
  Clock::time_point lastRequest_;
  Clock::time_point flushDeadline_;
};

}  // namespace httpgate::appserver
