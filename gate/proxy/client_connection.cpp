#include "gate/proxy/client_connection.h"

#include <algorithm>

#include "common/net/address.h"
#include "common/time/clock.h"
#include "gate/net/receive.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
ClientConnection::ClientConnection(Worker& worker, size_t listener, int fd, SSL* ssl,
                                   const sockaddr_storage& peer, ConnectionSlot slot,
                                   SocketEvents::Handler onSocket, void (*onTimer)(void*),
                                   void* owner)
    : worker_(worker),
      listener_(listener),
      onTimer_(onTimer),
      owner_(owner),
      client_(peer),
      slot_(std::move(slot)) {
  transport_.attach(fd, ssl);
  net::formatAddress(peer, address_, sizeof(address_));
  events_.assign(worker_.base(), fd, onSocket, owner);
  // A new socket may be read and written: trying tells.
  events_.ready().readable = events_.ready().writable = true;
  event_assign(&timer_, worker_.base(), -1, 0, onTimerEvent, this);
  lastActivity_ = clock::coarseMs();
  worker_.metrics().openConnections[listener_].add(1);
}

ClientConnection::~ClientConnection() {
  stop();
  transport_.close();
  worker_.metrics().openConnections[listener_].add(-1);
}

void ClientConnection::setClientAddress(const sockaddr_storage& client) {
  client_ = client;
  net::formatAddress(client_, address_, sizeof(address_));
}

void ClientConnection::rebind(SocketEvents::Handler onSocket, void (*onTimer)(void*), void* owner) {
  events_.rebind(onSocket, owner);
  onTimer_ = onTimer;
  owner_ = owner;
}

IoResult ClientConnection::handshake() {
  const IoResult result = transport_.handshake();
  if (result.status == IoStatus::WantRead) {
    events_.ready().readable = false;
  } else if (result.status == IoStatus::WantWrite) {
    events_.ready().writable = false;
  }
  return result;
}

ClientConnection::Received ClientConnection::receive(bool discard) {
  if (!in_.acquire(worker_.clientBuffers())) {
    return Received::NoMemory;
  }
  if (discard) {
    in_.clear();
  }
  const IoResult result = receiveInto(transport_, in_, events_.ready());
  switch (result.status) {
    case IoStatus::Ok:
      if (result.bytes == 0) {
        return Received::Blocked;
      }
      worker_.metrics().bytesReceived.add(result.bytes);
      noteActivity();
      return Received::Bytes;
    case IoStatus::WantRead:
    case IoStatus::WantWrite:
      return Received::Blocked;
    case IoStatus::Eof:
      eof_ = true;
      return Received::Ended;
    case IoStatus::Error:
      eof_ = true;
      return Received::Failed;
  }
  return Received::Blocked;
}

OutputQueue::Flushed ClientConnection::flush(Buffer* source, size_t& forward) {
  OutputQueue::Flushed flushed = out_.flush(transport_, events_.ready(), source, forward);
  if (flushed.bytes > 0) {
    worker_.metrics().bytesSent.add(flushed.bytes);
    noteActivity();
  }
  return flushed;
}

void ClientConnection::armHandshake() {
  events_.watch(!events_.ready().readable, !events_.ready().writable);
}

void ClientConnection::arm(bool wantInput, bool outputPending) {
  events_.arm(wantInput, outputPending);
  if (events_.readArmed() && events_.ready().readable) {
    // Input may be buffered inside OpenSSL or left by the round limit: run
    // again from the loop rather than wait for a socket event.
    events_.wakeReader();
  }
}

void ClientConnection::armTimer(int64_t when) {
  if (timerArmed_ && when >= timerDeadline_) {
    return;  // the armed timer fires first and re-arms for the later deadline
  }
  const int64_t delay = std::max<int64_t>(when - clock::coarseMs(), 0);
  timeval tv{static_cast<time_t>(delay / 1000), static_cast<suseconds_t>((delay % 1000) * 1000)};
  event_add(&timer_, &tv);
  timerArmed_ = true;
  timerDeadline_ = when;
}

void ClientConnection::onTimerEvent(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<ClientConnection*>(arg);
  self->timerArmed_ = false;
  self->onTimer_(self->owner_);
}

void ClientConnection::stop() {
  events_.stop();
  event_del(&timer_);
  timerArmed_ = false;
  in_.release();
}

void ClientConnection::releaseIdleBuffers() {
  if (in_.allocated() && in_.empty()) {
    in_.release();
  }
  out_.releaseSpare();
}

void ClientConnection::noteActivity() {
  lastActivity_ = clock::coarseMs();
}

}  // namespace httpgate::gate
