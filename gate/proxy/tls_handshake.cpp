#include "gate/proxy/tls_handshake.h"

#include <openssl/err.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time/clock.h"
#include "gate/proxy/http1_connection.h"
#include "gate/proxy/http2_connection.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// Why a handshake ended in `status`: the OpenSSL error queue holds an entry
// when OpenSSL rejected what the client sent; an empty queue means the
// socket failed or closed under it.
HandshakeFailure handshakeFailureOf(IoStatus status) {
  if (status == IoStatus::Error && ERR_peek_error() != 0) {
    return HandshakeFailure::Protocol;
  }
  return HandshakeFailure::Closed;
}

}  // namespace

TlsHandshake::TlsHandshake(Worker& worker, std::shared_ptr<const Runtime> runtime, size_t listener,
                           int fd, const sockaddr_storage& peer, ConnectionSlot slot)
    : worker_(worker), runtime_(std::move(runtime)) {
  SSL* ssl = runtime_->tls[listener] ? runtime_->tls[listener]->newConnection(fd) : nullptr;
  conn_ = std::make_unique<ClientConnection>(worker, listener, fd, ssl, peer, std::move(slot),
                                             onSocketEvent, onTimer, this);
  acceptedAt_ = clock::coarseMs();
}

TlsHandshake::TlsHandshake(Worker& worker, std::shared_ptr<const Runtime> runtime,
                           std::unique_ptr<ClientConnection> connection, DrainState drain)
    : worker_(worker), runtime_(std::move(runtime)), conn_(std::move(connection)), drain_(drain) {
  const size_t listener = conn_->listener();
  conn_->startTls(runtime_->tls[listener] ? runtime_->tls[listener]->newConnection(conn_->fd())
                                          : nullptr);
  conn_->rebind(onSocketEvent, onTimer, this);
  acceptedAt_ = clock::coarseMs();
}

void TlsHandshake::start() {
  if (!conn_->isTls()) {
    spdlog::warn("{}: cannot create a TLS session", conn_->address());
    dead_ = true;
  } else {
    step();
  }
  afterEvent();
}

// A connection still in its handshake has carried no request: it gets the
// same short grace as an HTTP/1.1 connection that has not (deadline()).
void TlsHandshake::drain() {
  drain_.draining = true;
  drain_.startedAt = clock::coarseMs();
  afterEvent();
}

void TlsHandshake::onSocketEvent(void* self, short) {
  auto* handshake = static_cast<TlsHandshake*>(self);
  handshake->step();
  handshake->afterEvent();
}

void TlsHandshake::onTimer(void* self) {
  auto* handshake = static_cast<TlsHandshake*>(self);
  if (clock::coarseMs() >= handshake->deadline()) {
    handshake->fail(HandshakeFailure::Timeout);
  }
  handshake->afterEvent();
}

void TlsHandshake::step() {
  const Readiness& ready = conn_->ready();
  if (!ready.readable && !ready.writable) {
    return;
  }
  const IoResult result = conn_->handshake();
  switch (result.status) {
    case IoStatus::Ok:
      done_ = true;
      conn_->noteActivity();
      worker_.metrics().handshakes[conn_->listener()].completed.add();
      return;
    case IoStatus::WantRead:
    case IoStatus::WantWrite:
      return;
    default:
      spdlog::debug("{}: TLS handshake failed", conn_->address());
      fail(handshakeFailureOf(result.status));
      return;
  }
}

void TlsHandshake::fail(HandshakeFailure reason) {
  worker_.metrics().handshakes[conn_->listener()].failed[static_cast<size_t>(reason)].add();
  dead_ = true;
}

int64_t TlsHandshake::deadline() const {
  const int64_t limit = acceptedAt_ + runtime_->config->timeouts.handshake.count();
  return drain_.draining ? std::min(limit, drain_.startedAt + kDrainFirstRequestMs) : limit;
}

void TlsHandshake::afterEvent() {
  if (dead_) {
    conn_->stop();
    worker_.destroy(this);
    return;
  }
  if (done_) {
    if (conn_->alpn() == "acme-tls/1") {
      // A tls-alpn-01 validation (RFC 8737 3): the handshake was all of it.
      conn_->stop();
      worker_.destroy(this);
      return;
    }
    ClientSide* protocol = nullptr;
    const bool h2 = conn_->alpn() == "h2";
    worker_.metrics()
        .connectionsByProtocol[static_cast<size_t>(h2 ? Protocol::Http2 : Protocol::Http1)]
        .add();
    if (h2) {
      protocol = new Http2Connection(worker_, runtime_, std::move(conn_), drain_);
    } else {
      protocol = new Http1Connection(worker_, runtime_, std::move(conn_), drain_);
    }
    worker_.handOver(this, protocol);  // destroys this, starts the protocol
    return;
  }
  conn_->armHandshake();
  conn_->armTimer(deadline());
}

}  // namespace httpgate::gate
