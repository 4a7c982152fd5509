// The pump of an HTTP/2 connection: events, feeding the session, running the
// streams, writing what the session makes, deadlines and closing.
#include "gate/proxy/http2_connection.h"

#include <event2/event.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time/clock.h"
#include "gate/proxy/http2_stream.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// Bound on pump rounds per event, as for HTTP/1.1.
constexpr int kMaxRounds = 32;
// The session writes into the output queue while less than this waits
// there: more would only sit in memory behind a slow client.
constexpr size_t kOutputHighWater = 64 * 1024;
// A drain first announces itself (a GOAWAY with the highest stream id, RFC
// 9113 6.8) and names the last stream it takes this long later, once no
// stream is open: a request the client sent before the notice reached it
// is still answered, as an HTTP/1.1 connection answers its next request.
constexpr int64_t kGoawayGraceMs = 1000;

}  // namespace

Http2Connection::Http2Connection(Worker& worker, std::shared_ptr<const Runtime> runtime,
                                 std::unique_ptr<ClientConnection> connection, DrainState drain)
    : worker_(worker),
      runtime_(std::move(runtime)),
      listener_(connection->listener()),
      conn_(std::move(connection)),
      drain_(drain),
      floodGuard_(clock::coarseMs()) {
  conn_->rebind(onSocketEvent, onTimer, this);
  flushEvent_ = event_new(worker_.base(), -1, 0, onDeferredFlush, this);
  createSession();
}

Http2Connection::~Http2Connection() {
  // The streams (and their exchanges) before the session and the socket
  // they use.
  streams_.clear();
  closedStreams_.clear();
  nghttp2_session_del(session_);
  event_free(flushEvent_);
}

const std::shared_ptr<const Runtime>& Http2Connection::runtime() const {
  return worker_.runtime();
}

void Http2Connection::start() {
  if (drain_.draining) {
    nghttp2_submit_shutdown_notice(session_);
  }
  run();
  afterEvent();
}

void Http2Connection::drain() {
  if (!drain_.draining) {
    drain_.draining = true;
    drain_.startedAt = clock::coarseMs();
    nghttp2_submit_shutdown_notice(session_);
  }
  run();
  afterEvent();
}

void Http2Connection::configurationChanged() {
  const std::vector<ListenConfig>& listeners = runtime()->config->listeners;
  if (!drain_.draining && listener_ < listeners.size() && !listeners[listener_].http2) {
    spdlog::debug("{}: http2 turned off on its listener: draining", conn_->address());
    drain();
  }
}

// The final GOAWAY of a drain, once its grace has passed and no stream is
// open; the connection closes when it is out.
void Http2Connection::finishDrain() {
  if (!drain_.draining || goawaySent_ || !streams_.empty() ||
      clock::coarseMs() < drain_.startedAt + kGoawayGraceMs) {
    return;
  }
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  goawaySent_ = true;
}

void Http2Connection::onSocketEvent(void* self, short) {
  auto* connection = static_cast<Http2Connection*>(self);
  connection->run();
  connection->afterEvent();
}

void Http2Connection::onTimer(void* self) {
  auto* connection = static_cast<Http2Connection*>(self);
  connection->onDeadline();
  if (!connection->dead_) {
    connection->run();
  }
  connection->afterEvent();
}

// A backend's event: its stream moves now, but what it made for the client
// is written once the loop has run the other events that are ready now
// (usually other streams' backends): one TLS record for several responses
// instead of one each.
void Http2Connection::streamEvent() {
  deferFlush_ = true;
  run();
  deferFlush_ = false;
  if (!dead_ && conn_->outPending()) {
    event_active(flushEvent_, 0, 0);
  }
  afterEvent();
}

void Http2Connection::onDeferredFlush(evutil_socket_t, short, void* self) {
  auto* connection = static_cast<Http2Connection*>(self);
  connection->run();
  connection->afterEvent();
}

void Http2Connection::afterEvent() {
  if (dead_) {
    worker_.destroy(this);
  }
}

void Http2Connection::run() {
  for (int round = 0; round < kMaxRounds && !dead_; ++round) {
    bool progress = receive();
    if (!dead_) {
      progress |= pumpStreams();
      finishDrain();
    }
    if (!dead_) {
      progress |= send();
    }
    dropClosedStreams();
    if (!progress) {
      break;
    }
  }
  if (dead_) {
    return;
  }
  // The session is done both ways (a GOAWAY sent or received and every
  // stream over) and its last bytes are out: close.
  if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0 &&
      !conn_->outPending()) {
    closeNow();
    return;
  }
  conn_->releaseIdleBuffers();
  for (auto& [id, stream] : streams_) {
    stream->releaseIdleBuffers();
  }
  const bool wantInput = nghttp2_session_want_read(session_) != 0 && !conn_->eof();
  // Deferred output is written by flushEvent_, not on the socket's event.
  conn_->arm(wantInput, conn_->outPending() && !deferFlush_);
  conn_->armTimer(deadline());
}

bool Http2Connection::receive() {
  bool progress = false;
  if (conn_->ready().readable && !conn_->eof()) {
    switch (conn_->receive(false)) {
      case ClientConnection::Received::Bytes:
        progress = true;
        break;
      case ClientConnection::Received::Ended:
        progress = true;
        break;
      case ClientConnection::Received::Blocked:
        break;
      case ClientConnection::Received::Failed:
      case ClientConnection::Received::NoMemory:
        closeNow();
        return true;
    }
  }
  Buffer& in = conn_->in();
  if (!in.empty()) {
    const ssize_t used =
        nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(in.data()), in.size());
    if (used < 0) {
      endForBadInput(static_cast<int>(used));
      return true;
    }
    in.consume(static_cast<size_t>(used));
    progress = true;
  }
  if (conn_->eof() && streams_.empty()) {
    closeNow();  // the client is gone and nothing is left to answer
    return true;
  }
  return progress;
}

// libnghttp2 refused the client's input for good: a GOAWAY that says why
// (unless one is queued already: a flood our own budget caught), then close.
void Http2Connection::endForBadInput(int error) {
  spdlog::debug("{}: HTTP/2: {}", conn_->address(), nghttp2_strerror(error));
  if (error == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS) {
    spdlog::warn("{}: HTTP/2 continuation flood: GOAWAY ENHANCE_YOUR_CALM", conn_->address());
    worker_.metrics().http2Floods[static_cast<size_t>(FloodFrame::Continuation)].add();
  }
  if (!goawaySent_) {
    const bool flood = error == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS || error == NGHTTP2_ERR_FLOODED;
    nghttp2_session_terminate_session(session_,
                                      flood ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    goawaySent_ = true;
  }
  deferFlush_ = false;  // the GOAWAY goes now, also from inside streamEvent()
  send();
  closeNow();
}

bool Http2Connection::pumpStreams() {
  bool progress = false;
  // A stream's pump may close others (never itself away from the map: the
  // session frees streams only inside its own calls).
  for (auto& [id, stream] : streams_) {
    progress |= stream->pump();
    if (dead_) {
      return true;
    }
  }
  return progress;
}

bool Http2Connection::send() {
  bool progress = false;
  while (conn_->out().size() < kOutputHighWater) {
    const uint8_t* data = nullptr;
    const ssize_t length = nghttp2_session_mem_send(session_, &data);
    if (length < 0) {
      spdlog::debug("{}: HTTP/2: {}", conn_->address(), nghttp2_strerror(static_cast<int>(length)));
      closeNow();
      return true;
    }
    if (length == 0) {
      break;
    }
    conn_->out().append(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
  }
  if (deferFlush_) {
    return progress;  // streamEvent() flushes after the loop's other events
  }
  size_t none = 0;
  const OutputQueue::Flushed flushed = conn_->flush(nullptr, none);
  if (flushed.failed) {
    closeNow();
    return true;
  }
  progress |= flushed.progress;
  return progress;
}

void Http2Connection::dropClosedStreams() {
  closedStreams_.clear();
}

void Http2Connection::closeNow() {
  if (dead_) {
    return;
  }
  dead_ = true;
  conn_->stop();
}

int64_t Http2Connection::deadline() const {
  const Timeouts& t = runtime_->config->timeouts;
  int64_t when = conn_->lastActivity() + t.keepalive.count();
  if (!streams_.empty()) {
    when = INT64_MAX;
    for (const auto& [id, stream] : streams_) {
      when = std::min(when, stream->deadline());
    }
  }
  if (drain_.draining && !goawaySent_) {
    when = std::min(when, drain_.startedAt + kGoawayGraceMs);
  }
  return when;
}

void Http2Connection::onDeadline() {
  const int64_t now = clock::coarseMs();
  if (streams_.empty()) {
    if (now >= deadline() && !goawaySent_) {
      // Idle for timeouts.keepalive, or a drain's grace is over: say so,
      // and close once it is out.
      nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
      goawaySent_ = true;
    }
    return;
  }
  for (auto& [id, stream] : streams_) {
    if (now >= stream->deadline()) {
      stream->onDeadline();
    }
  }
}

}  // namespace httpgate::gate
