#include "gate/proxy/proxy_header_reader.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "common/net/proxy_protocol.h"
#include "common/time/clock.h"
#include "gate/proxy/http1_connection.h"
#include "gate/proxy/tls_handshake.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

ProxyHeaderReader::ProxyHeaderReader(Worker& worker, std::shared_ptr<const Runtime> runtime,
                                     size_t listener, int fd, const sockaddr_storage& peer,
                                     ConnectionSlot slot)
    : worker_(worker),
      runtime_(std::move(runtime)),
      conn_(std::make_unique<ClientConnection>(worker, listener, fd, nullptr, peer, std::move(slot),
                                               onSocketEvent, onTimer, this)),
      acceptedAt_(clock::coarseMs()) {}

void ProxyHeaderReader::start() {
  read();
  afterEvent();
}

// Like a TLS handshake, a connection that has not named its client yet has
// carried no request: the same short grace while draining.
void ProxyHeaderReader::drain() {
  drain_.draining = true;
  drain_.startedAt = clock::coarseMs();
  afterEvent();
}

void ProxyHeaderReader::onSocketEvent(void* self, short) {
  auto* reader = static_cast<ProxyHeaderReader*>(self);
  reader->read();
  reader->afterEvent();
}

void ProxyHeaderReader::onTimer(void* self) {
  auto* reader = static_cast<ProxyHeaderReader*>(self);
  if (clock::coarseMs() >= reader->deadline()) {
    reader->fail(ProxyHeaderFailure::Timeout, "no complete header in time");
  }
  reader->afterEvent();
}

void ProxyHeaderReader::read() {
  if (done_ || dead_ || !conn_->ready().readable) {
    return;
  }
  char peeked[net::kMaxProxyHeaderSize];
  const size_t room = net::kMaxProxyHeaderSize - header_.size();
  ssize_t n;
  do {
    n = ::recv(conn_->fd(), peeked, room, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    conn_->ready().readable = false;
    return;
  }
  if (n <= 0) {
    fail(ProxyHeaderFailure::Truncated,
         n == 0 ? "closed before the end of the header" : "reset before the end of the header");
    return;
  }
  const size_t before = header_.size();
  header_.append(peeked, static_cast<size_t>(n));
  const net::ProxyParse parse = net::parseProxyHeader(header_);
  if (parse.status == net::ProxyStatus::Error) {
    fail(ProxyHeaderFailure::Malformed, parse.reason);
    return;
  }
  // Take the header's bytes from the socket: all of them once it is
  // complete, and not one more; while it is not, everything peeked is the
  // header's.
  const size_t take =
      parse.status == net::ProxyStatus::Done ? parse.consumed - before : static_cast<size_t>(n);
  ssize_t taken;
  do {
    taken = ::recv(conn_->fd(), peeked, take, 0);
  } while (taken < 0 && errno == EINTR);
  if (taken != static_cast<ssize_t>(take)) {
    fail(ProxyHeaderFailure::Truncated, "the header's bytes could not be read");
    return;
  }
  if (parse.status == net::ProxyStatus::NeedMore) {
    return;  // the next event brings more (the socket is empty now)
  }
  const net::ProxyHeader& header = parse.header;
  const bool local = header.family() == net::ProxyFamily::Unspec;
  worker_.metrics().proxyHeaders[local ? 1 : 0].add();
  client_ = local ? conn_->clientAddress() : net::toSocketAddress(header.source);
  // limits.per_client.connections, now that the client is known
  // (refused: counted and logged by the worker, closed without a byte).
  if (!worker_.admitClient(conn_->slot(), client_)) {
    dead_ = true;
    return;
  }
  done_ = true;
}

void ProxyHeaderReader::fail(ProxyHeaderFailure reason, const char* why) {
  worker_.metrics().proxyHeaderFailures[static_cast<size_t>(reason)].add();
  spdlog::debug("{}: PROXY header refused: {}", conn_->address(), why);
  dead_ = true;
}

int64_t ProxyHeaderReader::deadline() const {
  const int64_t limit = acceptedAt_ + runtime_->config->timeouts.handshake.count();
  return drain_.draining ? std::min(limit, drain_.startedAt + kDrainFirstRequestMs) : limit;
}

ClientSide* ProxyHeaderReader::next(const sockaddr_storage& client) {
  conn_->setClientAddress(client);
  // Whatever followed the header may already be waiting: the next
  // protocol tries the socket before waiting for an event.
  conn_->ready().readable = true;
  if (runtime_->tls[conn_->listener()]) {
    return new TlsHandshake(worker_, runtime_, std::move(conn_), drain_);
  }
  worker_.metrics().connectionsByProtocol[static_cast<size_t>(Protocol::Http1)].add();
  return new Http1Connection(worker_, runtime_, std::move(conn_), drain_);
}

void ProxyHeaderReader::afterEvent() {
  if (dead_) {
    conn_->stop();
    worker_.destroy(this);
    return;
  }
  if (done_) {
    worker_.handOver(this, next(client_));  // destroys this, starts the next
    return;
  }
  conn_->arm(true, false);
  conn_->armTimer(deadline());
}

}  // namespace httpgate::gate
