#include "appserver/src/session_child.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "appserver/src/http_values.h"
#include "appserver/src/log.h"
#include "appserver/src/request_builder.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver {
namespace {

using namespace std::chrono_literals;

// More connections than a browser opens to one host (about six), yet few
// enough that a client cannot exhaust the child's descriptors.
constexpr size_t kMaxConnections = 64;
// Output held per connection before its input is no longer read (a client
// pipelining requests without reading the answers).
constexpr size_t kMaxPendingOutput = 1 << 20;
// How long the opening request may take to arrive: a connection to the
// parent's port that sends nothing must not hold a session slot for the
// whole session timeout.
constexpr std::chrono::milliseconds kFirstRequestTimeout = 30s;
// How long a terminating child keeps writing answers already made.
constexpr std::chrono::milliseconds kFlushOnTerm = 2s;

// A connection's bytes in and out, through TLS when it has it; as recv(2)
// and send(2) on its non-blocking socket.
ssize_t receiveSome(int fd, detail::TlsLink* tls, char* buffer, size_t size) {
  return tls != nullptr ? tls->receive(buffer, size) : ::recv(fd, buffer, size, MSG_DONTWAIT);
}

ssize_t sendSome(int fd, detail::TlsLink* tls, const std::string& out) {
  return tls != nullptr ? tls->transmit(out.data(), out.size())
                        : ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

void SessionChild::run(const Options& options, const detail::Routes& routes,
                       const detail::TlsServer* tls, int firstFd) {
  SessionChild child(options, routes, tls, firstFd);
  child.serve();
}

SessionChild::SessionChild(const Options& options, const detail::Routes& routes,
                           const detail::TlsServer* tls, int firstFd)
    : options_(options), routes_(routes), tls_(tls), signals_({SIGTERM, SIGINT}) {
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
  detail::setNonBlocking(firstFd);
  if (addConnection(firstFd)) {
    connections_.back().first = true;
  }
}

bool SessionChild::addConnection(int fd) {
  SSL* ssl = tls_ != nullptr ? tls_->accept(fd) : nullptr;
  if (tls_ != nullptr && ssl == nullptr) {
    detail::logLine("cannot make a TLS session for a connection");
    ::close(fd);
    return false;
  }
  Connection& connection = connections_.emplace_back(fd, detail::peerOf(fd), options_);
  if (ssl != nullptr) {
    connection.tls = std::make_unique<detail::TlsLink>(ssl);
  }
  return true;
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
  for (Connection& connection : connections_) {
    ::close(connection.fd);
  }
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
    if (terminating_ && std::none_of(connections_.begin(), connections_.end(),
                                     [](const Connection& c) { return !c.out.empty(); })) {
      end("terminated");
    }
    Clock::time_point now = Clock::now();
    if (now >= deadline()) {
      end(terminating_ ? "terminated" : "idle timeout");
    }
    fds.clear();
    fds.push_back({signals_.fd(), POLLIN, 0});
    bool listening = listenFd_ >= 0 && !terminating_ && firstDone_ && started_;
    // Bytes OpenSSL already decrypted are not seen by poll(): a connection
    // whose input is wanted and that holds some is read again at once.
    bool tlsPending = false;
    fds.push_back({listening ? listenFd_ : -1, POLLIN, 0});
    for (const Connection& connection : connections_) {
      short events = 0;
      if (!connection.peerClosed && !terminating_ &&
          (connection.shutDown ||
           (!connection.closing && connection.out.size() < kMaxPendingOutput))) {
        events |= POLLIN;
      }
      if (!connection.out.empty() || (connection.tls && connection.tls->wantsWrite())) {
        events |= POLLOUT;
      }
      if ((events & POLLIN) != 0 && connection.tls && connection.tls->hasPending()) {
        tlsPending = true;
      }
      fds.push_back({connection.fd, events, 0});
    }
    long long wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - now).count() + 1;
    bool lingering = std::any_of(connections_.begin(), connections_.end(),
                                 [](const Connection& c) { return c.shutDown; });
    wait = tlsPending ? 0 : std::clamp<long long>(wait, 1, lingering ? 250 : 60'000);
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
      acceptConnections();
    }
    size_t index = 2;
    for (Connection& connection : connections_) {
      if (index >= fds.size()) {
        break;  // accepted during this round: polled next round
      }
      const short events = fds[index].events;
      short revents = fds[index++].revents;
      if (connection.tls && (events & POLLIN) != 0 &&
          (connection.tls->hasPending() ||
           (connection.tls->wantsWrite() && connection.out.empty() && (revents & POLLOUT) != 0))) {
        revents |= POLLIN;  // decrypted bytes waiting, or a handshake waiting to write
      }
      if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        readFrom(connection);
        process(connection);
      }
      if (!connection.out.empty() && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        flush(connection);
      }
    }
    now = Clock::now();
    connections_.remove_if([&](Connection& connection) {
      bool done = finished(connection, now);
      if (done) {
        ::close(connection.fd);
      }
      return done;
    });
    if (terminating_) {
      // Idle connections are closed at once; answers in progress are written.
      connections_.remove_if([](const Connection& connection) {
        bool idle = connection.out.empty();
        if (idle) {
          ::close(connection.fd);
        }
        return idle;
      });
    }
  }
}

void SessionChild::acceptConnections() {
  for (int round = 0; round < 16; ++round) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    if (connections_.size() >= kMaxConnections) {
      ::close(fd);
      continue;
    }
    addConnection(fd);
  }
}

void SessionChild::readFrom(Connection& connection) {
  if (connection.closing) {
    // Nothing more is wanted from this client: drain until it closes.
    char scratch[4096];
    for (int round = 0; round < 16; ++round) {
      ssize_t n = receiveSome(connection.fd, connection.tls.get(), scratch, sizeof scratch);
      if (n == 0) {
        connection.peerClosed = true;
      }
      if (n <= 0) {
        return;
      }
    }
    return;
  }
  if (connection.peerClosed) {
    return;
  }
  char buffer[65536];
  for (int round = 0; round < 4; ++round) {
    ssize_t n = receiveSome(connection.fd, connection.tls.get(), buffer, sizeof buffer);
    if (n > 0) {
      connection.reader.input().append(buffer, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buffer) {
        return;
      }
    } else if (n == 0) {
      connection.peerClosed = true;
      return;
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        connection.broken = true;
      }
      return;
    }
  }
}

void SessionChild::process(Connection& connection) {
  while (!connection.closing && !connection.broken) {
    switch (connection.reader.advance()) {
      case detail::RequestReader::Progress::NeedMore:
        if (connection.reader.takeContinue()) {
          connection.out += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        flush(connection);
        return;
      case detail::RequestReader::Progress::Failed: {
        const int status = connection.reader.errorStatus();
        detail::appendResponse(connection.out,
                               detail::errorResponse(status, connection.reader.errorReason()),
                               {.close = true});
        connection.closing = true;
        if (connection.first) {
          firstDone_ = true;
        }
        break;
      }
      case detail::RequestReader::Progress::Ready:
        answer(connection);
        connection.reader.takeRequest();
        break;
    }
  }
  flush(connection);
}

// Answers the complete request in connection.reader: the session checks,
// then the handler.
void SessionChild::answer(Connection& connection) {
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
  detail::appendResponse(
      connection.out, response,
      {.close = close, .headOnly = head.isHead, .secure = request.scheme() == "https"});
  if (close) {
    connection.closing = true;
  }
}

bool SessionChild::finished(Connection& connection, Clock::time_point now) {
  if (connection.broken) {
    return true;
  }
  if (!connection.out.empty()) {
    return false;
  }
  if (connection.peerClosed && !connection.closing) {
    return true;
  }
  if (!connection.closing) {
    return false;
  }
  if (!connection.shutDown) {
    if (connection.tls) {
      connection.tls->closeNotify();
    }
    ::shutdown(connection.fd, SHUT_WR);
    connection.shutDown = true;
    connection.lingerUntil = now + std::chrono::seconds(1);
  }
  return connection.peerClosed || now >= connection.lingerUntil;
}

void SessionChild::flush(Connection& connection) {
  if (connection.out.empty() || connection.broken) {
    return;
  }
  ssize_t n = sendSome(connection.fd, connection.tls.get(), connection.out);
  if (n > 0) {
    connection.out.erase(0, static_cast<size_t>(n));
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    connection.broken = true;
  }
}

}  // namespace httpgate::appserver
