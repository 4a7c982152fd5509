#include "appserver/src/connection_set.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "appserver/src/log.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver::detail {
namespace {

// Output held per connection before its input is no longer read (a client
// pipelining requests without reading the answers).
constexpr size_t kMaxPendingOutput = 1 << 20;

}  // namespace

ConnectionSet::~ConnectionSet() {
  closeAll();
}

Connection* ConnectionSet::add(int fd) {
  setNonBlocking(fd);
  SSL* ssl = tls_ != nullptr ? tls_->accept(fd) : nullptr;
  if (tls_ != nullptr && ssl == nullptr) {
    logLine("cannot make a TLS session for a connection");
    ::close(fd);
    return nullptr;
  }
  Connection& connection = connections_.emplace_back(fd, peerOf(fd), options_);
  if (ssl != nullptr) {
    connection.tls = std::make_unique<TlsLink>(ssl);
  }
  return &connection;
}

void ConnectionSet::acceptFrom(int listenFd) {
  for (int round = 0; round < 16; ++round) {
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    if (connections_.size() >= maxConnections_) {
      ::close(fd);
      continue;
    }
    add(fd);
  }
}

bool ConnectionSet::writing() const {
  return std::any_of(connections_.begin(), connections_.end(),
                     [](const Connection& c) { return !c.out.empty(); });
}

ConnectionSet::Watch ConnectionSet::watch(std::vector<pollfd>& fds, bool terminating) const {
  Watch watch;
  for (const Connection& connection : connections_) {
    short events = 0;
    if (!connection.peerClosed && !terminating &&
        (connection.shutDown ||
         (!connection.closing && connection.out.size() < kMaxPendingOutput))) {
      events |= POLLIN;
    }
    if (!connection.out.empty() || (connection.tls && connection.tls->wantsWrite())) {
      events |= POLLOUT;
    }
    // Bytes OpenSSL already decrypted are not seen by poll(): a connection
    // whose input is wanted and that holds some is read again at once.
    if ((events & POLLIN) != 0 && connection.tls && connection.tls->hasPending()) {
      watch.tlsPending = true;
    }
    watch.lingering = watch.lingering || connection.shutDown;
    fds.push_back({connection.fd, events, 0});
  }
  return watch;
}

void ConnectionSet::serve(const std::vector<pollfd>& fds, size_t first, Answerer& answerer) {
  size_t index = first;
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
      process(connection, answerer);
    }
    if (!connection.out.empty() && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      flush(connection);
    }
  }
}

void ConnectionSet::process(Connection& connection, Answerer& answerer) {
  while (!connection.closing && !connection.broken) {
    switch (connection.reader.advance()) {
      case RequestReader::Progress::NeedMore:
        if (connection.reader.takeContinue()) {
          connection.out += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        flush(connection);
        return;
      case RequestReader::Progress::Failed: {
        const int status = connection.reader.errorStatus();
        appendResponse(connection.out, errorResponse(status, connection.reader.errorReason()),
                       {.close = true});
        connection.closing = true;
        answerer.rejected(connection);
        break;
      }
      case RequestReader::Progress::Ready:
        answerer.answer(connection);
        connection.reader.takeRequest();
        break;
    }
  }
  flush(connection);
}

void ConnectionSet::sweep(Clock::time_point now, bool terminating) {
  connections_.remove_if([&](Connection& connection) {
    // Idle connections of a terminating process are closed at once;
    // answers in progress are written.
    bool done = finished(connection, now) || (terminating && connection.out.empty());
    if (done) {
      ::close(connection.fd);
    }
    return done;
  });
}

void ConnectionSet::closeAll() {
  for (Connection& connection : connections_) {
    ::close(connection.fd);
  }
  connections_.clear();
}

}  // namespace httpgate::appserver::detail
