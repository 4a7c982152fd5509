// The parent process of the fork and pool models: listens on the
// application's port, gives each accepted connection a session process
// (forked then, or ready in advance: ready_pool.h), reaps and counts the
// children, answers 503 itself past maxSessions, forwards TERM/INT to the
// children, re-executes its binary on HUP (on the same listening socket),
// and retires after a while without sessions. It never reads a request, so
// no client can stall it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "appserver/src/ready_pool.h"
#include "appserver/src/reexec.h"
#include "appserver/src/refusals.h"
#include "appserver/src/routes.h"
#include "appserver/src/signals.h"
#include "appserver/src/tls_server.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

class Parent {
 public:
  // `tls` (null: plain HTTP) is handed to every session child.
  Parent(const Options& options, const Routes& routes, const TlsServer* tls, int argc, char** argv);
  ~Parent();
  Parent(const Parent&) = delete;
  Parent& operator=(const Parent&) = delete;

  // Runs until TERM/INT or retirement; returns the exit status (1 when the
  // port cannot be opened).
  int run();

 private:
  using Clock = std::chrono::steady_clock;

  void adoptChildren();
  void acceptConnections();
  void startSession(int fd);
  // Forks a ready process for the pool.
  void startReady();
  // Forks a child that closes the parent's descriptors (all but `keep`)
  // and runs `body`, which never returns; the pid, or -1 (logged).
  pid_t forkChild(int keep, const std::function<void()>& body);
  void refillPool();
  long long pollTimeout(Clock::time_point now) const;
  // Closes the pool's channels and waits a moment for the ready processes
  // to exit; returns how many were retired.
  size_t retirePool();
  void reapChildren();
  void reexecute();
  int shutDown(const char* signalName);

  const Options& options_;
  const Routes& routes_;
  const TlsServer* tls_;
  Reexec reexec_;
  SignalPipe signals_;
  int listenFd_ = -1;
  std::set<pid_t> children_;         // session processes
  std::unique_ptr<ReadyPool> pool_;  // with Model::Pool
  Refusals refusals_;                // answered 503 past maxSessions
  Clock::time_point lastChild_;      // when the last child ended (or start-up)
};

}  // namespace httpgate::appserver::detail
