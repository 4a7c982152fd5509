// The I/O pump of a client session: events, reading, writing, timers and
// closing. What the bytes mean is in session_request.cpp and
// session_response.cpp.
#include "gate/proxy/client_session.h"

#include <arpa/inet.h>
#include <openssl/err.h>

#include <algorithm>
#include <cstring>

#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// A gate-made head and a small body go out in one write (one TLS record)
// when together they are at most this long.
constexpr size_t kCoalesceLimit = 16 * 1024;
// How long a closing connection keeps discarding input so that the client
// reads our last response instead of a reset.
constexpr int64_t kLingerMs = 2000;
// While draining, how long a connection that has not carried a request yet
// may take to deliver its first one (see drain()).
constexpr int64_t kDrainFirstRequestMs = 3000;
// While draining, an idle keep-alive connection closes itself this long
// before timeouts.shutdown: gracefully, with its linger, ahead of the
// server's hard close.
constexpr int64_t kDrainIdleMarginMs = kLingerMs + 500;
// Bound on pump rounds per event, so one busy connection cannot starve the
// others of its worker.
constexpr int kMaxRounds = 32;

int64_t toMs(Duration d) {
  return d.count();
}

// The client's address as text; IPv4-mapped IPv6 addresses shown as IPv4.
void formatAddress(const sockaddr_storage& peer, char* out, size_t size) {
  if (peer.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&peer)->sin_addr, out, size);
    return;
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
  if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
    inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], out, size);
  } else {
    inet_ntop(AF_INET6, &v6->sin6_addr, out, size);
  }
}

// Why a handshake ended in `status`: the OpenSSL error queue holds an entry
// when OpenSSL rejected what the client sent; an empty queue means the
// socket failed or closed under it.
HandshakeFailure handshakeFailureOf(IoStatus status) {
  if (status == IoStatus::Error && ERR_peek_error() != 0) {
    return HandshakeFailure::Protocol;
  }
  return HandshakeFailure::Closed;
}

void countHandshakeFailure(Worker& worker, HandshakeFailure reason) {
  worker.metrics().handshakeFailures[static_cast<size_t>(reason)].add();
}

}  // namespace

ClientSession::ClientSession(Worker& worker, std::shared_ptr<const Runtime> runtime,
                             size_t listener, int fd, const sockaddr_storage& peer)
    : worker_(worker), runtime_(std::move(runtime)), listener_(listener) {
  SSL* ssl = nullptr;
  if (runtime_->tls[listener_]) {
    ssl = runtime_->tls[listener_]->newConnection(fd);
  }
  client_.attach(fd, ssl);
  formatAddress(peer, clientAddress_, sizeof(clientAddress_));
  event_assign(&clientRead_, worker_.base(), fd, EV_READ | EV_PERSIST, onClientEvent, this);
  event_assign(&clientWrite_, worker_.base(), fd, EV_WRITE | EV_PERSIST, onClientEvent, this);
  event_assign(&timer_, worker_.base(), -1, 0, onTimer, this);
  acceptedAt_ = lastActivity_ = now();
  worker_.metrics().openConnections[listener_].add(1);
}

ClientSession::~ClientSession() {
  if (appWait_) {
    worker_.removeAppWaiter(appWait_->id);
  }
  event_del(&clientRead_);
  event_del(&clientWrite_);
  event_del(&timer_);
  backend_.reset();
  client_.close();
  worker_.metrics().openConnections[listener_].add(-1);
}

int64_t ClientSession::now() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

void ClientSession::start() {
  if (runtime_->tls[listener_] && client_.ssl() == nullptr) {
    spdlog::warn("{}: cannot create a TLS session", clientAddress_);
    closeNow();
  } else {
    phase_ = client_.isTls() ? Phase::Handshake : Phase::WaitingRequest;
    run();
  }
  if (dead_) {
    worker_.destroy(this);
  }
}

void ClientSession::drain() {
  draining_ = true;
  drainStartedAt_ = now();
  // A keep-alive connection between requests stays open: closing it now
  // would race with a request its client may be sending this instant, and
  // many clients (curl, scripts, PicoLisp's client) do not retry one. Its
  // next request is answered with Connection: close; a client silent for
  // the whole drain sees a graceful close just before timeouts.shutdown
  // (HAProxy's idle-close-on-response). A connection that has not carried a
  // request yet was accepted moments ago: it gets its first request
  // answered (with Connection: close) within kDrainFirstRequestMs. This is
  // what lets an upgrade swap processes without failing a single request.
  run();
  if (dead_) {
    worker_.destroy(this);
  }
}

void ClientSession::onClientEvent(evutil_socket_t, short what, void* arg) {
  auto* self = static_cast<ClientSession*>(arg);
  if (what & EV_READ) {
    self->clientReadable_ = true;
    if (self->clientWriteWantsRead_) {
      self->clientWritable_ = true;
      self->clientWriteWantsRead_ = false;
    }
  }
  if (what & EV_WRITE) {
    self->clientWritable_ = true;
    if (self->clientReadWantsWrite_) {
      self->clientReadable_ = true;
      self->clientReadWantsWrite_ = false;
    }
  }
  self->run();
  if (self->dead_) {
    self->worker_.destroy(self);
  }
}

void ClientSession::onBackendEvent(short) {
  run();
  if (dead_) {
    worker_.destroy(this);
  }
}

void ClientSession::onTimer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<ClientSession*>(arg);
  self->timerArmed_ = false;
  if (self->now() >= self->deadline()) {
    self->onDeadline();
  }
  if (!self->dead_) {
    self->run();
  }
  if (self->dead_) {
    self->worker_.destroy(self);
  }
}

void ClientSession::run() {
  for (int round = 0; round < kMaxRounds && !dead_; ++round) {
    if (phase_ == Phase::Handshake) {
      if (!stepHandshake()) {
        break;
      }
      continue;
    }
    bool progress = readClient();
    if (!dead_) {
      progress |= processClientInput();
    }
    if (!dead_ && backend_) {
      progress |= flushToBackend();
    }
    if (!dead_ && backend_) {
      progress |= readBackend();
    }
    if (!dead_ && backend_) {
      progress |= processBackendInput();
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
    releaseIdleBuffers();
    updateInterest();
    armTimer();
  }
}

// Returns true once the handshake is complete (phase changed).
bool ClientSession::stepHandshake() {
  if (!clientReadable_ && !clientWritable_) {
    return false;
  }
  IoResult result = client_.handshake();
  switch (result.status) {
    case IoStatus::Ok:
      phase_ = Phase::WaitingRequest;
      lastActivity_ = now();
      worker_.metrics().handshakes.add();
      return true;
    case IoStatus::WantRead:
      clientReadable_ = false;
      return false;
    case IoStatus::WantWrite:
      clientWritable_ = false;
      return false;
    default:
      spdlog::debug("{}: TLS handshake failed", clientAddress_);
      countHandshakeFailure(worker_, handshakeFailureOf(result.status));
      closeNow();
      return false;
  }
}

bool ClientSession::wantClientInput() const {
  if (clientEof_) {
    return false;
  }
  switch (phase_) {
    case Phase::Handshake:
    case Phase::Closing:
      return false;
    case Phase::Lingering:
      return true;
    default:
      return !clientIn_.allocated() || !clientIn_.full();
  }
}

bool ClientSession::readClient() {
  if (!clientReadable_ || !wantClientInput()) {
    return false;
  }
  if (!clientIn_.acquire(worker_.clientBuffers())) {
    closeNow();
    return false;
  }
  if (phase_ == Phase::Lingering) {
    clientIn_.clear();  // discard whatever the client still sends
  }
  char* at = clientIn_.writePtr();
  size_t room = clientIn_.writable();
  if (room == 0) {
    return false;
  }
  IoResult result = client_.read(at, room);
  switch (result.status) {
    case IoStatus::Ok:
      clientIn_.commit(result.bytes);
      worker_.metrics().bytesReceived.add(result.bytes);
      lastActivity_ = now();
      if (result.bytes < room && !client_.hasPending()) {
        // A short read drained the socket: with OpenSSL's read-ahead, bytes
        // the kernel still had would be pending inside the SSL. Level-
        // triggered events report anything that arrives later.
        clientReadable_ = false;
      }
      return true;
    case IoStatus::WantRead:
      clientReadable_ = false;
      return false;
    case IoStatus::WantWrite:
      clientReadable_ = false;
      clientReadWantsWrite_ = true;
      return false;
    case IoStatus::Eof:
      clientEof_ = true;
      return true;
    case IoStatus::Error:
      clientEof_ = true;
      if (phase_ != Phase::Lingering) {
        // A reset client: nothing more can be sent to it either.
        closeNow();
      }
      return true;
  }
  return false;
}

bool ClientSession::flushToClient() {
  bool progress = false;
  while (clientWritable_ && !dead_) {
    const char* data = nullptr;
    size_t length = 0;
    bool fromBackend = false;
    if (clientOutSent_ < clientOut_.size()) {
      // Put a small forwarded body behind the head so both leave in one write.
      if (forwardResponse_ > 0 && backend_ &&
          clientOut_.size() - clientOutSent_ + forwardResponse_ <= kCoalesceLimit) {
        clientOut_.append(backend_->in().data(), forwardResponse_);
        backend_->in().consume(forwardResponse_);
        forwardResponse_ = 0;
      }
      data = clientOut_.data() + clientOutSent_;
      length = clientOut_.size() - clientOutSent_;
    } else if (forwardResponse_ > 0 && backend_) {
      data = backend_->in().data();
      length = forwardResponse_;
      fromBackend = true;
    } else {
      break;
    }
    IoResult result = client_.write(data, length);
    if (result.status == IoStatus::Ok) {
      progress = true;
      bytesSent_ += result.bytes;
      worker_.metrics().bytesSent.add(result.bytes);
      lastActivity_ = now();
      if (fromBackend) {
        backend_->in().consume(result.bytes);
        forwardResponse_ -= result.bytes;
      } else {
        clientOutSent_ += result.bytes;
        if (clientOutSent_ == clientOut_.size()) {
          clientOut_.clear();
          clientOutSent_ = 0;
        }
      }
      if (!client_.isTls() && result.bytes < length) {
        clientWritable_ = false;  // the socket buffer is full
      }
      continue;
    }
    if (result.status == IoStatus::WantWrite) {
      clientWritable_ = false;
    } else if (result.status == IoStatus::WantRead) {
      clientWritable_ = false;
      clientWriteWantsRead_ = true;
    } else {
      closeNow();  // the client is gone; so is its exchange
    }
    break;
  }
  return progress;
}

// Reading stays on while the backend is connected, also after the response:
// an early close or stray bytes then show (and keep the connection out of the
// pool), and the read event is not re-armed for every request.
bool ClientSession::wantBackendInput() const {
  if (!backend_ || backend_->connecting() || backend_->eof) {
    return false;
  }
  const Buffer& in = backend_->in();
  bool room = !in.allocated() || !in.full();
  return (phase_ == Phase::Exchange || phase_ == Phase::Tunnel) && room;
}

bool ClientSession::readBackend() {
  if (!backend_->readable || !wantBackendInput()) {
    return false;
  }
  Buffer& in = backend_->in();
  if (!in.acquire(worker_.backendBuffers())) {
    closeNow();
    return false;
  }
  char* at = in.writePtr();
  size_t room = in.writable();
  if (room == 0) {
    return false;
  }
  IoResult result = backend_->transport().read(at, room);
  switch (result.status) {
    case IoStatus::Ok:
      in.commit(result.bytes);
      responseBytesSeen_ = true;
      lastActivity_ = now();
      if (result.bytes < room) {
        backend_->readable = false;
      }
      return true;
    case IoStatus::WantRead:
    case IoStatus::WantWrite:
      backend_->readable = false;
      return false;
    case IoStatus::Eof:
    case IoStatus::Error:
      backend_->eof = true;
      backend_->readable = false;
      return true;
  }
  return false;
}

bool ClientSession::flushToBackend() {
  if (backend_->connecting()) {
    if (!backend_->writable) {
      return false;
    }
    auto result = backend_->finishConnect();
    if (result == BackendConnection::ConnectResult::Connected) {
      lastActivity_ = now();
      return true;
    }
    backendFailed(result == BackendConnection::ConnectResult::Refused
                      ? BackendFailure::Refused
                      : BackendFailure::ConnectFailed);
    return true;
  }
  bool progress = false;
  while (backend_ && backend_->writable) {
    const char* data = nullptr;
    size_t length = 0;
    bool fromClient = false;
    if (backend_->outSent < backend_->out.size()) {
      // A small request body goes out in one write with its head.
      if (forwardRequest_ > 0 &&
          backend_->out.size() - backend_->outSent + forwardRequest_ <= kCoalesceLimit) {
        backend_->out.append(clientIn_.data(), forwardRequest_);
        clientIn_.consume(forwardRequest_);
        forwardRequest_ = 0;
      }
      data = backend_->out.data() + backend_->outSent;
      length = backend_->out.size() - backend_->outSent;
    } else if (forwardRequest_ > 0) {
      data = clientIn_.data();
      length = forwardRequest_;
      fromClient = true;
    } else {
      break;
    }
    IoResult result = backend_->transport().write(data, length);
    if (result.status == IoStatus::Ok) {
      progress = true;
      lastActivity_ = now();
      if (fromClient) {
        const bool wasFull = clientIn_.full();
        clientIn_.consume(result.bytes);
        forwardRequest_ -= result.bytes;
        if (wasFull) {
          // The client was waiting on the backend, not the other way round:
          // its body's rate is measured afresh from here.
          restartBodyWindow();
        }
      } else {
        backend_->outSent += result.bytes;
        // A request without a body keeps its head until the response
        // begins, for a retry on a fresh connection (canRetryOnFreshConnection).
        if (backend_->outSent == backend_->out.size() && requestHasBody_) {
          backend_->out.clear();
          backend_->outSent = 0;
        }
      }
      if (result.bytes < length) {
        backend_->writable = false;
      }
      continue;
    }
    if (result.status == IoStatus::WantWrite || result.status == IoStatus::WantRead) {
      backend_->writable = false;
      break;
    }
    // The backend closed or reset while we were sending.
    backend_->eof = true;
    backend_->writable = false;
    if (phase_ == Phase::Tunnel || responseHeadDone_) {
      abortExchange();
    } else if (!responseBytesSeen_) {
      backendFailed(BackendFailure::Died);
    } else {
      // Its response may still be readable: let the reader take over.
      forwardRequest_ = 0;
      requestDone_ = true;
      closeAfterResponse_ = true;
    }
    return true;
  }
  if (phase_ == Phase::Tunnel && backend_ && clientEof_ && forwardRequest_ == 0 &&
      backend_->outSent == backend_->out.size()) {
    backend_->transport().shutdownWrite();
  }
  return progress;
}

void ClientSession::updateInterest() {
  bool read = false;
  bool write = false;
  if (phase_ == Phase::Handshake) {
    read = !clientReadable_;
    write = !clientWritable_;
  } else {
    read = wantClientInput() || clientWriteWantsRead_;
    bool pending = clientOutSent_ < clientOut_.size() || forwardResponse_ > 0;
    write = (!clientWritable_ && (pending || clientReadWantsWrite_)) || clientReadWantsWrite_;
  }
  if (read != clientReadArmed_) {
    read ? event_add(&clientRead_, nullptr) : event_del(&clientRead_);
    clientReadArmed_ = read;
  }
  if (write != clientWriteArmed_) {
    write ? event_add(&clientWrite_, nullptr) : event_del(&clientWrite_);
    clientWriteArmed_ = write;
  }
  if (read && clientReadable_ && phase_ != Phase::Handshake) {
    // Input may be buffered inside OpenSSL or left by the round limit: run
    // again from the loop rather than wait for a socket event.
    event_active(&clientRead_, EV_READ, 1);
  }
  if (backend_) {
    bool backendWrite =
        backend_->connecting() ||
        (!backend_->writable && (backend_->outSent < backend_->out.size() || forwardRequest_ > 0));
    bool backendRead = wantBackendInput();
    backend_->watch(backendRead, backendWrite);
  }
}

int64_t ClientSession::deadline() const {
  bool awaitingRequest =
      phase_ == Phase::Handshake || (phase_ == Phase::WaitingRequest && headStartedAt_ < 0);
  if (draining_ && awaitingRequest) {
    const int64_t shutdown = toMs(config().timeouts.shutdown);
    const int64_t limit =
        servedRequest_ ? drainStartedAt_ + shutdown - std::min(kDrainIdleMarginMs, shutdown / 2)
                       : drainStartedAt_ + kDrainFirstRequestMs;
    return std::min(normalDeadline(), limit);
  }
  return normalDeadline();
}

int64_t ClientSession::normalDeadline() const {
  const Timeouts& t = config().timeouts;
  switch (phase_) {
    case Phase::Handshake:
      return acceptedAt_ + toMs(t.handshake);
    case Phase::WaitingRequest:
      return headStartedAt_ >= 0 ? headStartedAt_ + toMs(t.requestHeader)
                                 : lastActivity_ + toMs(t.keepalive);
    case Phase::Exchange:
      return exchangeDeadline();
    case Phase::Tunnel:
      return lastActivity_ + toMs(t.tunnel);
    case Phase::Lingering:
      return lingerStartedAt_ + kLingerMs;
    case Phase::Closing:
      return lastActivity_ + toMs(t.response);  // a client that stopped reading
  }
  return lastActivity_;
}

// While a request body is due from the client, timeouts.request_body; while
// the backend owes progress (connecting, taking the body, answering),
// timeouts.connect or timeouts.response.
int64_t ClientSession::exchangeDeadline() const {
  const Timeouts& t = config().timeouts;
  if (appWait_) {
    return appWait_->deadline;
  }
  if (awaitingRequestBody()) {
    return requestBodyDeadline();
  }
  if (backend_ && backend_->connecting()) {
    return connectStartedAt_ + toMs(t.connect);
  }
  return lastActivity_ + toMs(t.response);
}

// True while the exchange waits for the client's request body: it is being
// collected for re-framing, or the gate would read more of it now (its
// input buffer has room and nothing read is still on its way to the backend).
bool ClientSession::awaitingRequestBody() const {
  if (requestDone_ || clientEof_) {
    return false;
  }
  if (reframe_) {
    return true;
  }
  return forwardRequest_ == 0 && (!clientIn_.allocated() || !clientIn_.full());
}

// A body must keep coming: no byte for timeouts.request_body, or fewer than
// limits.min_request_rate bytes/s over a window of that length, is 408.
int64_t ClientSession::requestBodyDeadline() const {
  const int64_t window = toMs(config().timeouts.requestBody);
  return std::min(lastBodyByte_, bodyWindowStart_) + window;
}

void ClientSession::restartBodyWindow() {
  bodyWindowStart_ = lastBodyByte_ = now();
  bodyWindowBytes_ = 0;
}

// At the end of a body window: true when the client was too slow (408),
// else the next window begins.
bool ClientSession::requestBodyTooSlow() {
  const int64_t window = toMs(config().timeouts.requestBody);
  const int64_t at = now();
  if (at - lastBodyByte_ >= window) {
    return true;
  }
  const uint64_t needed = config().limits.minRequestRate * static_cast<uint64_t>(window) / 1000;
  if (bodyWindowBytes_ < needed) {
    return true;
  }
  bodyWindowStart_ = at;
  bodyWindowBytes_ = 0;
  return false;
}

void ClientSession::armTimer() {
  int64_t when = deadline();
  if (timerArmed_ && when >= timerDeadline_) {
    return;  // the armed timer fires first and re-arms for the later deadline
  }
  int64_t delay = std::max<int64_t>(when - now(), 0);
  timeval tv{static_cast<time_t>(delay / 1000), static_cast<suseconds_t>((delay % 1000) * 1000)};
  event_add(&timer_, &tv);
  timerArmed_ = true;
  timerDeadline_ = when;
}

void ClientSession::onDeadline() {
  switch (phase_) {
    case Phase::WaitingRequest:
      if (headStartedAt_ >= 0 && !clientIn_.empty()) {
        spdlog::debug("{}: request header timeout", clientAddress_);
        respondLocal(408, true);
        return;
      }
      if (draining_) {
        beginClose();  // silent for the whole drain: a graceful close
      } else {
        closeNow();  // an idle keep-alive connection
      }
      return;
    case Phase::Exchange:
      if (appWait_) {
        spdlog::warn("{}: app {} did not answer on port {} in time", clientAddress_,
                     startableApp_->name, backendPort_);
        worker_.removeAppWaiter(appWait_->id);
        appWait_.reset();
        failExchange(503);
      } else if (awaitingRequestBody()) {
        if (requestBodyTooSlow()) {
          spdlog::info("{}: request body stalled or slower than limits.min_request_rate",
                       clientAddress_);
          if (responseHeadDone_) {
            abortExchange();
          } else {
            reframe_.reset();
            backend_.reset();  // it must not wait for the rest of the body
            failExchange(408);
          }
        }
      } else if (backend_ && backend_->connecting()) {
        backend_->connectTimedOut();  // host_health.h
        backendFailed(BackendFailure::Timeout);
      } else if (!responseHeadDone_) {
        backendFailed(BackendFailure::Timeout);
      } else {
        spdlog::warn("{}: backend port {} stalled mid-response; closing", clientAddress_,
                     backendPort_);
        abortExchange();
      }
      return;
    case Phase::Handshake:
      countHandshakeFailure(worker_, HandshakeFailure::Timeout);
      closeNow();
      return;
    default:
      closeNow();
  }
}

// Flushes what is queued for the client, then closes its write side and
// lingers (see kLingerMs).
void ClientSession::beginClose() {
  phase_ = Phase::Closing;
  backend_.reset();
  forwardResponse_ = 0;
}

bool ClientSession::finishExchangeIfDone() {
  bool flushed = clientOutSent_ == clientOut_.size() && forwardResponse_ == 0;
  if (phase_ == Phase::Exchange && responseDone_ && flushed) {
    writeAccessLog();
    finishBackend();
    // A response whose head promised keep-alive (it began before a drain)
    // keeps that promise: the client may already be sending its next
    // request, which is then answered with Connection: close.
    if (closeAfterResponse_) {
      beginClose();
    } else {
      phase_ = Phase::WaitingRequest;
      headStartedAt_ = -1;
      return true;
    }
  }
  if (phase_ == Phase::Closing && flushed) {
    client_.shutdownWrite();
    if (clientEof_) {
      closeNow();
      return false;
    }
    phase_ = Phase::Lingering;
    lingerStartedAt_ = now();
    return true;
  }
  if (phase_ == Phase::Lingering && clientEof_) {
    closeNow();
    return false;
  }
  if (phase_ == Phase::Tunnel && backend_) {
    bool clientSideDone = clientEof_ && forwardRequest_ == 0;
    bool backendSideDone = backend_->eof && forwardResponse_ == 0 && backend_->in().empty();
    if (backendSideDone && flushed) {
      // The application ended the tunnel: close towards the client too.
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

void ClientSession::releaseIdleBuffers() {
  if (clientIn_.allocated() && clientIn_.empty()) {
    clientIn_.release();
  }
  if (backend_ && backend_->in().allocated() && backend_->in().empty()) {
    backend_->in().release();
  }
  if (clientOut_.empty() && clientOut_.capacity() > kCoalesceLimit) {
    std::string().swap(clientOut_);
  }
}

void ClientSession::closeNow() {
  if (dead_) {
    return;
  }
  dead_ = true;
  event_del(&clientRead_);
  event_del(&clientWrite_);
  event_del(&timer_);
  clientReadArmed_ = clientWriteArmed_ = timerArmed_ = false;
  backend_.reset();
  clientIn_.release();
}

}  // namespace httpgate::gate
