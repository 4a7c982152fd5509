// The pump of an HTTP/1.1 client connection: events, the rounds that move
// bytes, and closing. What the bytes mean is in http1_requests.cpp and in
// the exchange.
#include "gate/proxy/http1_connection.h"

#include <spdlog/spdlog.h>

#include "common/assert.h"
#include "common/time/clock.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// Bound on pump rounds per event, so one busy connection cannot starve the
// others of its worker.
constexpr int kMaxRounds = 32;

}  // namespace

Http1Connection::Http1Connection(Worker& worker, std::shared_ptr<const Runtime> runtime,
                                 size_t listener, int fd, const sockaddr_storage& peer,
                                 ConnectionSlot slot)
    : worker_(worker),
      runtime_(std::move(runtime)),
      listener_(listener),
      conn_(std::make_unique<ClientConnection>(worker, listener, fd, nullptr, peer, std::move(slot),
                                               onSocketEvent, onTimer, this)) {}

Http1Connection::Http1Connection(Worker& worker, std::shared_ptr<const Runtime> runtime,
                                 std::unique_ptr<ClientConnection> connection, DrainState drain)
    : worker_(worker),
      runtime_(std::move(runtime)),
      listener_(connection->listener()),
      conn_(std::move(connection)),
      draining_(drain.draining),
      drainStartedAt_(drain.startedAt) {
  conn_->rebind(onSocketEvent, onTimer, this);
}

Http1Connection::~Http1Connection() {
  exchange_.reset();  // before the connection it talks to
}

void Http1Connection::start() {
  run();
  afterEvent();
}

void Http1Connection::drain() {
  draining_ = true;
  drainStartedAt_ = clock::coarseMs();
  // A keep-alive connection between requests stays open: closing it now
  // would race with a request its client may be sending this instant, and
  // many clients (curl, scripts, PicoLisp's client) do not retry one. Its
  // next request is answered with Connection: close; a client silent for
  // the whole drain sees a graceful close just before timeouts.shutdown
  // (HAProxy's idle-close-on-response). A connection that has not carried a
  // request yet was accepted moments ago: it gets its first request
  // answered (with Connection: close) within a few seconds. This is what
  // lets an upgrade swap processes without failing a single request.
  run();
  afterEvent();
}

void Http1Connection::onSocketEvent(void* self, short) {
  auto* connection = static_cast<Http1Connection*>(self);
  connection->run();
  connection->afterEvent();
}

void Http1Connection::onTimer(void* self) {
  auto* connection = static_cast<Http1Connection*>(self);
  if (clock::coarseMs() >= connection->deadline()) {
    connection->onDeadline();
  }
  if (!connection->dead_) {
    connection->run();
  }
  connection->afterEvent();
}

void Http1Connection::exchangeEvent() {
  run();
  afterEvent();
}

void Http1Connection::afterEvent() {
  if (dead_) {
    worker_.destroy(this);
  }
}

void Http1Connection::run() {
  for (int round = 0; round < kMaxRounds && !dead_; ++round) {
    bool progress = readClient();
    if (!dead_) {
      progress |= processClientInput();
    }
    if (!dead_ && exchange_) {
      progress |= exchange_->exchangeWithBackend();
    }
    if (!dead_) {
      progress |= flushToClient();
    }
    if (!dead_) {
      progress |= finishExchangeIfDone();
    }
    if (!progress) {
      break;
    }
  }
  if (!dead_) {
    conn_->releaseIdleBuffers();
    if (exchange_) {
      exchange_->releaseIdleBuffers();
    }
    updateInterest();
    conn_->armTimer(deadline());
  }
}

bool Http1Connection::wantClientInput() const {
  if (conn_->eof()) {
    return false;
  }
  switch (phase_) {
    case Phase::Closing:
      return false;
    case Phase::Lingering:
      return true;
    default:
      return !conn_->in().allocated() || !conn_->in().full();
  }
}

bool Http1Connection::readClient() {
  if (!conn_->ready().readable || !wantClientInput()) {
    return false;
  }
  switch (conn_->receive(phase_ == Phase::Lingering)) {
    case ClientConnection::Received::Bytes:
    case ClientConnection::Received::Ended:
      return true;
    case ClientConnection::Received::Blocked:
      return false;
    case ClientConnection::Received::Failed:
      if (phase_ != Phase::Lingering) {
        closeNow();  // a reset client: nothing more can be sent to it either
      }
      return true;
    case ClientConnection::Received::NoMemory:
      closeNow();
      return false;
  }
  return false;
}

bool Http1Connection::processClientInput() {
  switch (phase_) {
    case Phase::WaitingRequest:
      return parseNextRequest();
    case Phase::Exchange:
      HTTPGATE_ASSERT(exchange_ != nullptr);
      return exchange_->takeRequestBody();
    case Phase::Tunnel:
      HTTPGATE_ASSERT(exchange_ != nullptr);
      return exchange_->takeTunnelBytes();
    case Phase::Lingering:
      conn_->in().clear();
      return false;
    default:
      return false;
  }
}

bool Http1Connection::flushToClient() {
  size_t none = 0;
  Buffer* source = exchange_ ? exchange_->responseSource() : nullptr;
  size_t& ready = exchange_ ? exchange_->responseReady() : none;
  const OutputQueue::Flushed flushed = conn_->flush(source, ready);
  if (exchange_) {
    exchange_->countSent(flushed.bytes);
  }
  if (flushed.failed) {
    closeNow();  // the client is gone; so is its exchange
  }
  return flushed.progress;
}

bool Http1Connection::finishExchangeIfDone() {
  const bool flushed = !conn_->outPending() && (!exchange_ || exchange_->responseReady() == 0);
  if (exchange_ && exchange_->ended()) {
    exchange_.reset();  // answered by the gate: the answer is queued
  }
  if (phase_ == Phase::Exchange && exchange_ && exchange_->responseComplete() && flushed) {
    exchange_->finish();
    const bool close = exchange_->closeAfterResponse();
    exchange_.reset();
    // A response whose head promised keep-alive (it began before a drain)
    // keeps that promise: the client may already be sending its next
    // request, which is then answered with Connection: close.
    if (!close) {
      phase_ = Phase::WaitingRequest;
      headStartedAt_ = -1;
      return true;
    }
    beginClose();
  }
  if (phase_ == Phase::Closing && flushed) {
    conn_->shutdownWrite();
    if (conn_->eof()) {
      closeNow();
      return false;
    }
    phase_ = Phase::Lingering;
    lingerStartedAt_ = clock::coarseMs();
    return true;
  }
  if (phase_ == Phase::Lingering && conn_->eof()) {
    closeNow();
    return false;
  }
  if (phase_ == Phase::Tunnel && exchange_) {
    const bool clientSideDone = exchange_->tunnelClientDone();
    const bool backendSideDone = exchange_->tunnelBackendDone();
    if (backendSideDone && flushed) {
      // The application ended the tunnel: close towards the client too.
      exchange_.reset();
      beginClose();
      return true;
    }
    if (clientSideDone && backendSideDone) {
      closeNow();
      return false;
    }
  }
  return false;
}

void Http1Connection::updateInterest() {
  const bool forwarding = exchange_ && exchange_->responseReady() > 0;
  conn_->arm(wantClientInput(), conn_->outPending() || forwarding);
  if (exchange_) {
    exchange_->armBackend();
  }
}

// Flushes what is queued for the client, then closes its write side and
// lingers (see http1_deadlines.cpp).
void Http1Connection::beginClose() {
  HTTPGATE_ASSERT(!exchange_ || exchange_->ended());
  phase_ = Phase::Closing;
}

void Http1Connection::closeNow() {
  if (dead_) {
    return;
  }
  dead_ = true;
  conn_->stop();
  // The exchange goes with the connection (afterEvent): it may be the
  // caller.
}

}  // namespace httpgate::gate
