#include "gate/proxy/backend_connection.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gate/proxy/backend_pool.h"

namespace httpgate::gate {

BackendKey BackendKey::from(const SocketAddress& host, uint16_t port) {
  BackendKey key;
  key.port = port;
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
  return family == other.family && port == other.port &&
         std::memcmp(address, other.address, sizeof(address)) == 0;
}

size_t BackendKeyHash::operator()(const BackendKey& key) const {
  // Three words through a multiplicative mix: cheap, and the keys differ
  // mostly in the port, which lands in the high bits of the product.
  uint64_t low = 0;
  uint64_t high = 0;
  std::memcpy(&low, key.address, sizeof(low));
  std::memcpy(&high, key.address + sizeof(low), sizeof(high));
  uint64_t hash = (uint64_t{key.port} << 8 | key.family) * 0x9E3779B97F4A7C15ull;
  hash ^= (low + (hash >> 29)) * 0xBF58476D1CE4E5B9ull;
  hash ^= (high + (hash >> 31)) * 0x94D049BB133111EBull;
  return static_cast<size_t>(hash ^ (hash >> 32));
}

BackendConnection::BackendConnection(event_base* base, const BackendKey& key) : key_(key) {
  event_assign(&readEvent_, base, -1, EV_READ | EV_PERSIST, onEvent, this);
  event_assign(&writeEvent_, base, -1, EV_WRITE | EV_PERSIST, onEvent, this);
}

BackendConnection::~BackendConnection() {
  watch(false, false);
  transport_.close();
}

BackendConnection::ConnectResult BackendConnection::connect(const SocketAddress& address,
                                                            uint16_t port) {
  SocketAddress target = address;
  if (target.storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&target.storage)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&target.storage)->sin6_port = htons(port);
  }
  int fd = ::socket(target.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int error = errno;
    attempt.finish(HostVerdict::Unknown);  // a local shortage says nothing of the host
    errno = error;
    return ConnectResult::Failed;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  transport_.attach(fd, nullptr);
  event_assign(&readEvent_, event_get_base(&readEvent_), fd, EV_READ | EV_PERSIST, onEvent, this);
  event_assign(&writeEvent_, event_get_base(&writeEvent_), fd, EV_WRITE | EV_PERSIST, onEvent,
               this);
  if (::connect(fd, target.get(), target.length) == 0) {
    writable = true;
    attempt.finish(HostVerdict::Alive);
    return ConnectResult::Connected;
  }
  if (errno == EINPROGRESS) {
    // Not writable until the kernel says so: only the write event tells
    // that the handshake has ended (either way), and SO_ERROR read before
    // it is 0 for a connect still in progress.
    connecting_ = true;
    writable = false;
    return ConnectResult::InProgress;
  }
  return connectFailed(errno);
}

BackendConnection::ConnectResult BackendConnection::connectFailed(int error) {
  attempt.finish(verdictOfConnectError(error));
  errno = error;
  return error == ECONNREFUSED ? ConnectResult::Refused : ConnectResult::Failed;
}

BackendConnection::ConnectResult BackendConnection::finishConnect() {
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
    attempt.finish(HostVerdict::Alive);
    return ConnectResult::Connected;
  }
  return connectFailed(error);
}

void BackendConnection::watch(bool read, bool write) {
  if (read != readArmed_) {
    read ? event_add(&readEvent_, nullptr) : event_del(&readEvent_);
    readArmed_ = read;
  }
  if (write != writeArmed_) {
    write ? event_add(&writeEvent_, nullptr) : event_del(&writeEvent_);
    writeArmed_ = write;
  }
}

void BackendConnection::onEvent(evutil_socket_t, short what, void* arg) {
  auto* self = static_cast<BackendConnection*>(arg);
  if (what & EV_READ) {
    self->readable = true;
  }
  if (what & EV_WRITE) {
    self->writable = true;
  }
  if (self->owner_ != nullptr) {
    self->owner_->onBackendEvent(what);
  } else if (self->pool_ != nullptr) {
    self->pool_->onIdleEvent(self);  // may delete self
  }
}

}  // namespace httpgate::gate
