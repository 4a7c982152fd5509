#include "appserver/src/sequential_server.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "appserver/src/http_values.h"
#include "appserver/src/log.h"
#include "appserver/src/request_builder.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver {
namespace {

using namespace std::chrono_literals;

// Every session's connections share this process: room for a few browser
// connections each of a small deployment's sessions.
constexpr size_t kMaxConnections = 1024;
// How long a stopping server keeps writing answers already made.
constexpr std::chrono::milliseconds kFlushOnStop = 2s;

}  // namespace

SequentialServer::SequentialServer(const Options& options, const detail::Routes& routes,
                                   const detail::TlsServer* tls, int argc, char** argv)
    : options_(options),
      routes_(routes),
      reexec_(argc, argv),
      signals_({SIGTERM, SIGINT, SIGHUP}),
      connections_(options, tls, kMaxConnections),
      lastSession_(Clock::now()) {
  ::signal(SIGPIPE, SIG_IGN);
}

int SequentialServer::run() {
  if (!signals_.valid()) {
    detail::logLine("cannot create the signal pipe: %s", std::strerror(errno));
    return 1;
  }
  listenFd_ = detail::Reexec::openListener(options_);
  if (listenFd_ < 0) {
    return 1;
  }
  port_ = detail::localPort(listenFd_);
  detail::logLine("model sequential: every session in this process (pid %d)", ::getpid());
  // A HUP blocked signals around exec(); they stay pending across it.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  std::vector<pollfd> fds;
  for (;;) {
    Clock::time_point now = Clock::now();
    expire(now);
    if (stop_ == Stop::None && options_.retire.count() > 0 && sessions_.empty() &&
        now - lastSession_ >= options_.retire) {
      detail::logLine("retiring: no session for %lld ms",
                      static_cast<long long>(options_.retire.count()));
      return 0;
    }
    if (stop_ != Stop::None && (!connections_.writing() || now >= stopDeadline_)) {
      connections_.closeAll();
      if (stop_ == Stop::Exit) {
        detail::logLine("stopped");
        return 0;
      }
      detail::logLine("HUP: re-executing %s (%zu sessions in this process end)",
                      reexec_.path().c_str(), sessions_.size());
      reexec_.execute(listenFd_);
      stop_ = Stop::None;  // the exec failed (logged): serve on with the running code
    }
    fds.clear();
    fds.push_back({signals_.fd(), POLLIN, 0});
    fds.push_back({stop_ == Stop::None ? listenFd_ : -1, POLLIN, 0});
    const bool stopping = stop_ != Stop::None;
    const detail::ConnectionSet::Watch watch = connections_.watch(fds, stopping);
    long long wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(wakeUp(now) - now).count() + 1;
    wait = watch.tlsPending ? 0 : std::clamp<long long>(wait, 1, watch.lingering ? 250 : 60'000);
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait));
    if (ready < 0 && errno != EINTR) {
      detail::logLine("poll failed: %s", std::strerror(errno));
      continue;
    }
    const unsigned long seen = fds[0].revents != 0 ? signals_.take() : 0;
    if (seen != 0 && stop_ == Stop::None) {
      if ((seen & ((1UL << SIGTERM) | (1UL << SIGINT))) != 0) {
        detail::logLine("%s: stopping, %zu sessions end",
                        (seen & (1UL << SIGTERM)) ? "TERM" : "INT", sessions_.size());
        stop_ = Stop::Exit;
      } else if ((seen & (1UL << SIGHUP)) != 0 && !reexec_.path().empty()) {
        stop_ = Stop::Reexecute;
      } else if ((seen & (1UL << SIGHUP)) != 0) {
        detail::logLine("HUP: the program's path is unknown, keeping the running code");
      }
      stopDeadline_ = Clock::now() + kFlushOnStop;
    }
    if (fds[1].revents != 0) {
      connections_.acceptFrom(listenFd_);
    }
    connections_.serve(fds, 2, *this);
    connections_.sweep(Clock::now(), stop_ != Stop::None);
  }
}

SequentialServer::Clock::time_point SequentialServer::wakeUp(Clock::time_point now) const {
  Clock::time_point at = std::min(nextExpiry_, now + 60s);
  if (stop_ != Stop::None) {
    at = std::min(at, stopDeadline_);
  }
  if (options_.retire.count() > 0 && sessions_.empty()) {
    at = std::min(at, lastSession_ + options_.retire);
  }
  return at;
}

void SequentialServer::expire(Clock::time_point now) {
  if (now < nextExpiry_) {
    return;
  }
  nextExpiry_ = Clock::time_point::max();
  std::erase_if(sessions_, [&](const auto& item) {
    const Entry& entry = item.second;
    Clock::time_point end = entry.lastRequest + options_.sessionTimeout;
    if (now >= end) {
      detail::logLine("session %lu ended: idle timeout", entry.serial);
      return true;
    }
    nextExpiry_ = std::min(nextExpiry_, end);
    return false;
  });
  if (sessions_.empty()) {
    lastSession_ = now;
  }
}

void SequentialServer::open(const Request& request, Response& response) {
  Entry entry;
  entry.session.id_ = detail::newSessionId();
  entry.session.port_ = port_;
  entry.address = std::string(request.clientAddress());
  entry.lastRequest = Clock::now();
  detail::dispatch(routes_, request, response, entry.session);
  // A first request answered with an error (a stray /favicon.ico, a
  // scanner's probe) opens nothing worth keeping.
  if (response.status() >= 400) {
    return;
  }
  entry.serial = ++serial_;
  detail::logLine("session %lu opened for %s (%zu sessions)", entry.serial, entry.address.c_str(),
                  sessions_.size() + 1);
  nextExpiry_ = std::min(nextExpiry_, entry.lastRequest + options_.sessionTimeout);
  std::string id = entry.session.id_;
  sessions_.emplace(std::move(id), std::move(entry));
}

// Answers the complete request in connection.reader: its session (or a new
// one), then the handler.
void SequentialServer::answer(detail::Connection& connection) {
  const http::RequestHead& head = connection.reader.head();
  Response response;
  Request request;
  std::string path(head.path);
  Entry* entry = nullptr;
  bool refused = false;
  if (std::optional<detail::SessionPath> split = detail::splitSessionPath(head.path)) {
    auto found = sessions_.find(std::string(split->id));
    if (found == sessions_.end()) {
      response = detail::errorResponse(403, "unknown or expired session");
      refused = true;
    } else {
      entry = &found->second;
      path = split->rest;
    }
  } else if (sessions_.size() >= options_.maxSessions) {
    detail::logLine("%zu sessions (maxSessions): new session refused with 503", sessions_.size());
    response = detail::errorResponse(503, "too many sessions, try again later");
    refused = true;
  }
  bool close = !head.keepAlive || stop_ != Stop::None;
  if (!refused) {
    std::string error;
    if (!RequestBuilder::build(head, path, std::move(connection.reader.body()), connection.peer,
                               connection.peerLoopback, request, error)) {
      response = detail::errorResponse(400, error);
      close = true;
    } else if (entry == nullptr) {
      open(request, response);
    } else if (options_.checkClientAddress && request.clientAddress() != entry->address) {
      response = detail::errorResponse(403, "this session belongs to another client address");
    } else {
      entry->lastRequest = Clock::now();
      detail::dispatch(routes_, request, response, entry->session);
    }
  }
  detail::queueResponse(
      connection, response,
      {.close = close, .headOnly = head.isHead, .secure = request.scheme() == "https"});
}

}  // namespace httpgate::appserver
