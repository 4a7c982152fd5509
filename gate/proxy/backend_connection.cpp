#include "gate/proxy/backend_connection.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net/address.h"
#include "gate/net/receive.h"
#include "gate/proxy/backend_pool.h"

namespace httpgate::gate {

BackendKey BackendKey::from(const SocketAddress& host, uint16_t port, uint32_t tls) {
  BackendKey key;
  key.port = port;
  key.tls = tls;
  key.family = static_cast<uint8_t>(host.storage.ss_family);
  if (host.storage.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&host.storage);
    std::memcpy(key.address, &v4->sin_addr, sizeof(v4->sin_addr));
  } else if (host.storage.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&host.storage);
    std::memcpy(key.address, &v6->sin6_addr, sizeof(v6->sin6_addr));
  }
  return key;
}

bool BackendKey::operator==(const BackendKey& other) const {
  return family == other.family && port == other.port && tls == other.tls &&
         std::memcmp(address, other.address, sizeof(address)) == 0;
}

size_t BackendKeyHash::operator()(const BackendKey& key) const {
  // Three words through a multiplicative mix: cheap, and the keys differ
  // mostly in the port, which lands in the high bits of the product.
  uint64_t low = 0;
  uint64_t high = 0;
  std::memcpy(&low, key.address, sizeof(low));
  std::memcpy(&high, key.address + sizeof(low), sizeof(high));
  uint64_t hash =
      (uint64_t{key.tls} << 32 | uint64_t{key.port} << 8 | key.family) * 0x9E3779B97F4A7C15ull;
  hash ^= (low + (hash >> 29)) * 0xBF58476D1CE4E5B9ull;
  hash ^= (high + (hash >> 31)) * 0x94D049BB133111EBull;
  return static_cast<size_t>(hash ^ (hash >> 32));
}

BackendConnection::BackendConnection(event_base* base, const BackendKey& key,
                                     BackendConnectionList* list)
    : base_(base), key_(key), list_(list) {
  if (list_ != nullptr) {
    next_ = list_->head_;
    if (next_ != nullptr) {
      next_->prev_ = this;
    }
    list_->head_ = this;
  }
}

BackendConnection::~BackendConnection() {
  if (list_ != nullptr) {
    (prev_ != nullptr ? prev_->next_ : list_->head_) = next_;
    if (next_ != nullptr) {
      next_->prev_ = prev_;
    }
  }
  events_.stop();
  if (SSL* ssl = transport_.ssl(); ssl != nullptr && transport_.handshakeDone()) {
    // A TLS connection closed without SSL_shutdown has its session marked
    // not resumable by SSL_free; a close_notify (best effort, the socket
    // never blocks) keeps it for the next connection to resume.
    transport_.shutdownWrite();
  }
  transport_.close();
}

BackendConnection::ConnectResult BackendConnection::connect(const SocketAddress& address,
                                                            uint16_t port,
                                                            const BackendTlsContext* tls) {
  SocketAddress target = address;
  net::setPort(target.storage, port);
  int fd = ::socket(target.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int error = errno;
    attempt.finish(HostVerdict::Unknown);  // a local shortage says nothing of the host
    errno = error;
    return ConnectResult::Failed;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  SSL* ssl = nullptr;
  if (tls != nullptr) {
    ssl = tls->newConnection(fd);
    if (ssl == nullptr) {
      ::close(fd);
      tlsFailure_ = backendTlsFailure(nullptr, false, 0);
      attempt.finish(HostVerdict::Unknown);  // a local failure
      return ConnectResult::TlsFailed;
    }
  }
  transport_.attach(fd, ssl);
  events_.assign(base_, fd, onEvent, this);
  if (::connect(fd, target.get(), target.length) == 0) {
    events_.ready().writable = true;
    if (ssl != nullptr) {
      connecting_ = true;
      tcpConnected_ = true;
      return stepHandshake();
    }
    attempt.finish(HostVerdict::Alive);
    return ConnectResult::Connected;
  }
  if (errno == EINPROGRESS) {
    // Not writable until the kernel says so: only the write event tells
    // that the handshake has ended (either way), and SO_ERROR read before
    // it is 0 for a connect still in progress.
    connecting_ = true;
    events_.ready().writable = false;
    return ConnectResult::InProgress;
  }
  return connectFailed(errno);
}

BackendConnection::ConnectResult BackendConnection::connectFailed(int error) {
  attempt.finish(verdictOfConnectError(error), std::strerror(error));
  errno = error;
  return error == ECONNREFUSED ? ConnectResult::Refused : ConnectResult::Failed;
}

BackendConnection::ConnectResult BackendConnection::finishConnect() {
  if (tcpConnected_) {
    return stepHandshake();
  }
  connecting_ = false;
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(transport_.fd(), SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
    error = errno;
    attempt.finish(HostVerdict::Unknown);
    errno = error;
    return ConnectResult::Failed;
  }
  if (error == 0) {
    if (transport_.isTls()) {
      connecting_ = true;
      tcpConnected_ = true;
      return stepHandshake();
    }
    attempt.finish(HostVerdict::Alive);
    return ConnectResult::Connected;
  }
  return connectFailed(error);
}

BackendConnection::ConnectResult BackendConnection::stepHandshake() {
  const IoResult result = transport_.handshake();
  const int savedErrno = errno;
  switch (result.status) {
    case IoStatus::Ok:
      connecting_ = false;
      tcpConnected_ = false;
      handshakeWantsRead_ = false;
      attempt.finish(HostVerdict::Alive);
      return ConnectResult::Connected;
    case IoStatus::WantRead:
      handshakeWantsRead_ = true;
      events_.ready().readable = false;
      return ConnectResult::InProgress;
    case IoStatus::WantWrite:
      handshakeWantsRead_ = false;
      events_.ready().writable = false;
      return ConnectResult::InProgress;
    case IoStatus::Eof:
    case IoStatus::Error:
      break;
  }
  connecting_ = false;
  tcpConnected_ = false;
  handshakeWantsRead_ = false;
  tlsFailure_ = backendTlsFailure(transport_.ssl(), result.status == IoStatus::Eof, savedErrno);
  // A host that cannot be talked to safely is as useless as one that
  // cannot be reached: counted towards marking it down (host_health.h).
  attempt.finish(HostVerdict::Unreachable, "TLS: " + tlsFailure_);
  return ConnectResult::TlsFailed;
}

std::string& BackendConnection::newRequest() {
  out_.clear();
  return out_.bytes();
}

OutputQueue::Flushed BackendConnection::flush(Buffer& source, size_t& forward, bool keepHead) {
  OutputQueue::Flushed flushed =
      out_.flush(transport_, events_.ready(), &source, forward, keepHead);
  if (flushed.failed) {
    eof_ = true;  // the backend closed or reset while we were sending
    events_.ready().writable = false;
  }
  return flushed;
}

BackendConnection::Received BackendConnection::receive(BufferPool& pool) {
  if (!in_.acquire(pool)) {
    return Received::NoMemory;
  }
  const IoResult result = receiveInto(transport_, in_, events_.ready());
  switch (result.status) {
    case IoStatus::Ok:
      return result.bytes > 0 ? Received::Bytes : Received::Blocked;
    case IoStatus::WantRead:
    case IoStatus::WantWrite:
      return Received::Blocked;
    case IoStatus::Eof:
    case IoStatus::Error:
      break;
  }
  eof_ = true;
  events_.ready().readable = false;
  return Received::Ended;
}

void BackendConnection::arm(bool wantInput, bool outputPending) {
  // A connect in progress ends with the socket writable, either way; a
  // handshake waits on what OpenSSL asked for.
  if (connecting_) {
    if (tcpConnected_) {
      events_.watch(handshakeWantsRead_, !handshakeWantsRead_);
    } else {
      events_.watch(wantInput, true);
    }
  } else {
    events_.arm(wantInput, outputPending);
  }
}

void BackendConnection::watchIdle() {
  events_.watch(true, false);
}

bool BackendConnection::idleStillUsable() {
  if (!transport_.isTls()) {
    return false;
  }
  // A one-byte read: a data byte makes the connection unusable anyway.
  char byte = 0;
  const IoResult result = transport_.read(&byte, 1);
  if (result.status != IoStatus::WantRead || transport_.hasPending()) {
    return false;
  }
  events_.ready().readBlocked(result.status);
  return true;
}

void BackendConnection::onEvent(void* self, short what) {
  auto* connection = static_cast<BackendConnection*>(self);
  if (connection->owner_ != nullptr) {
    connection->owner_->onBackendEvent(what);
  } else if (connection->pool_ != nullptr) {
    connection->pool_->onIdleEvent(connection);  // may delete it
  }
}

}  // namespace httpgate::gate
