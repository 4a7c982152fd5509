#include "appserver/src/session_child.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "appserver/src/handoff.h"
#include "appserver/src/http_values.h"
#include "appserver/src/log.h"
#include "appserver/src/request_builder.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver {
namespace {

using namespace std::chrono_literals;

// How long the opening request may take to arrive: a connection to the
// parent's port that sends nothing must not hold a session slot for the
// whole session timeout.
constexpr std::chrono::milliseconds kFirstRequestTimeout = 30s;
// More connections than a browser opens to one host (about six), yet few
// enough that a client cannot exhaust the child's descriptors.
constexpr size_t kMaxConnections = 64;
// How long a terminating child keeps writing answers already made.
constexpr std::chrono::milliseconds kFlushOnTerm = 2s;

}  // namespace

void SessionChild::run(const Options& options, const detail::Routes& routes,
                       const detail::TlsServer* tls, int firstFd) {
  SessionChild child(options, routes, tls);
  child.adopt(firstFd);
  child.serve();
}

void SessionChild::runReady(const Options& options, const detail::Routes& routes,
                            const detail::TlsServer* tls, int channel) {
  SessionChild child(options, routes, tls);
  // Without a port the process still waits: a visitor handed to it before
  // the parent read the report gets the 503 that the fork model gives.
  char report = detail::kReportReady;
  if (child.listenFd_ < 0) {
    detail::logLine("ready process %d cannot open a session: %s", ::getpid(),
                    child.bindError_.c_str());
    report = detail::kReportFailed;
  }
  // The parent may have closed its end already, having handed this process
  // a visitor before the report: the visitor is read all the same.
  ssize_t sent = ::send(channel, &report, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)sent;
  int fd = child.awaitVisitor(channel);
  ::close(channel);
  if (fd < 0) {
    ::_exit(0);  // retired, or the parent is gone: no session was opened
  }
  // The ready time was not the session's: its timeouts start now.
  child.lastRequest_ = Clock::now();
  child.adopt(fd);
  child.serve();
}

SessionChild::SessionChild(const Options& options, const detail::Routes& routes,
                           const detail::TlsServer* tls)
    : options_(options),
      routes_(routes),
      signals_({SIGTERM, SIGINT}),
      connections_(options, tls, kMaxConnections) {
  // The parent's handlers are replaced (signals_ above); a HUP meant for the
  // parent (e.g. sent to the process group) must not end a session.
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGCHLD, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  lastRequest_ = Clock::now();
  session_.id_ = detail::newSessionId();
  // The same address as the parent's: loopback stays loopback.
  Result<int> listening = detail::listenOnSessionPort(options.address, options.sessionPortFirst,
                                                      options.sessionPortLast);
  if (listening.ok()) {
    listenFd_ = listening.value();
    session_.port_ = detail::localPort(listenFd_);
  } else {
    bindError_ = std::move(listening).error();
  }
}

void SessionChild::adopt(int firstFd) {
  if (detail::Connection* connection = connections_.add(firstFd)) {
    connection->first = true;
  }
}

int SessionChild::awaitVisitor(int channel) {
  for (;;) {
    pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {channel, POLLIN, 0}};
    int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno != EINTR) {
      return -1;
    }
    if (fds[0].revents != 0) {
      unsigned long seen = signals_.take();
      if ((seen & ((1UL << SIGTERM) | (1UL << SIGINT))) != 0) {
        return -1;
      }
    }
    if (fds[1].revents != 0) {
      return detail::receiveConnection(channel);
    }
  }
}

void SessionChild::end(const char* why) {
  // The listening socket goes first: a gate that finds a kept-alive
  // connection closed retries on a fresh one, and that must be refused (the
  // gate then answers 410 or 502 itself), not accepted into the backlog of
  // a process about to exit and then reset. The log line follows, so that
  // whoever reads it finds the port closed.
  if (listenFd_ >= 0) {
    ::close(listenFd_);
    listenFd_ = -1;
  }
  if (started_) {
    detail::logLine("session on port %u (pid %d) ended: %s", session_.port_, ::getpid(), why);
  }
  connections_.closeAll();
  std::fflush(nullptr);
  // _exit, not exit: the parent's atexit handlers and static objects belong
  // to the parent, not to this copy of it.
  ::_exit(0);
}

SessionChild::Clock::time_point SessionChild::deadline() const {
  if (terminating_) {
    return flushDeadline_;
  }
  if (!firstDone_) {
    return lastRequest_ + std::min(options_.sessionTimeout, kFirstRequestTimeout);
  }
  return lastRequest_ + options_.sessionTimeout;
}

void SessionChild::serve() {
  std::vector<pollfd> fds;
  for (;;) {
    if (firstDone_ && !started_ && connections_.empty()) {
      end("the opening request failed");
    }
    if (!firstDone_ && connections_.empty()) {
      end("the opening connection closed");
    }
    if (terminating_ && !connections_.writing()) {
      end("terminated");
    }
    Clock::time_point now = Clock::now();
    if (now >= deadline()) {
      end(terminating_ ? "terminated" : "idle timeout");
    }
    fds.clear();
    fds.push_back({signals_.fd(), POLLIN, 0});
    bool listening = listenFd_ >= 0 && !terminating_ && firstDone_ && started_;
    fds.push_back({listening ? listenFd_ : -1, POLLIN, 0});
    const detail::ConnectionSet::Watch watch = connections_.watch(fds, terminating_);
    long long wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - now).count() + 1;
    wait = watch.tlsPending ? 0 : std::clamp<long long>(wait, 1, watch.lingering ? 250 : 60'000);
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait));
    if (ready < 0 && errno != EINTR) {
      end("poll failed");
    }
    if (fds[0].revents != 0) {
      unsigned long seen = signals_.take();
      if ((seen & ((1UL << SIGTERM) | (1UL << SIGINT))) != 0 && !terminating_) {
        terminating_ = true;
        flushDeadline_ = Clock::now() + kFlushOnTerm;
      }
    }
    if (fds[1].revents != 0) {
      connections_.acceptFrom(listenFd_);
    }
    connections_.serve(fds, 2, *this);
    connections_.sweep(Clock::now(), terminating_);
  }
}

void SessionChild::rejected(detail::Connection& connection) {
  if (connection.first) {
    firstDone_ = true;
  }
}

// Answers the complete request in connection.reader: the session checks,
// then the handler.
void SessionChild::answer(detail::Connection& connection) {
  const http::RequestHead& head = connection.reader.head();
  lastRequest_ = Clock::now();
  Response response;
  Request request;
  std::string path(head.path);
  bool refused = false;
  if (connection.first) {
    if (listenFd_ < 0) {
      detail::logLine("cannot open a session: %s", bindError_.c_str());
      response = detail::errorResponse(503, "no free session port");
      refused = true;
    }
  } else {
    std::optional<detail::SessionPath> split = detail::splitSessionPath(head.path);
    if (!split) {
      response = detail::errorResponse(403, "this port serves one session; the URL lacks its id");
      refused = true;
    } else if (!detail::sameSessionId(split->id, session_.id_)) {
      response = detail::errorResponse(403, "wrong session id");
      refused = true;
    } else {
      path = split->rest;
    }
  }
  bool close = connection.first || !head.keepAlive || terminating_;
  if (!refused) {
    std::string error;
    if (!RequestBuilder::build(head, path, std::move(connection.reader.body()), connection.peer,
                               connection.peerLoopback, request, error)) {
      response = detail::errorResponse(400, error);
      close = true;
    } else if (connection.first) {
      firstAddress_ = std::string(request.clientAddress());
      detail::dispatch(routes_, request, response, session_);
    } else if (options_.checkClientAddress && request.clientAddress() != firstAddress_) {
      response = detail::errorResponse(403, "this session belongs to another client address");
    } else {
      detail::dispatch(routes_, request, response, session_);
    }
  }
  if (connection.first) {
    firstDone_ = true;
    // A first request answered with an error (a stray /favicon.ico, a
    // scanner's probe) opened nothing worth keeping: the child ends.
    started_ = response.status() < 400;
    if (started_) {
      detail::logLine("session on port %u (pid %d) for %s", session_.port_, ::getpid(),
                      firstAddress_.c_str());
    }
  }
  detail::queueResponse(
      connection, response,
      {.close = close, .headOnly = head.isHead, .secure = request.scheme() == "https"});
}

}  // namespace httpgate::appserver
