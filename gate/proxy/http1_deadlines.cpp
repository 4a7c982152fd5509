// The deadlines of an HTTP/1.1 client connection, by phase: the wait for a
// request (keep-alive) and for the rest of its head, the exchange's own, a
// tunnel's silence, a client that stopped reading our last response, and
// the linger after it (the handshake's are in tls_handshake.cpp). While draining, connections
// waiting for a request get shorter ones.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/assert.h"
#include "gate/proxy/http1_connection.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// How long a closing connection keeps discarding input so that the client
// reads our last response instead of a reset.
constexpr int64_t kLingerMs = 2000;
// While draining, an idle keep-alive connection closes itself this long
// before timeouts.shutdown: gracefully, with its linger, ahead of the
// server's hard close.
constexpr int64_t kDrainIdleMarginMs = kLingerMs + 500;

}  // namespace

int64_t Http1Connection::deadline() const {
  const bool awaitingRequest = phase_ == Phase::WaitingRequest && headStartedAt_ < 0;
  if (draining_ && awaitingRequest) {
    const int64_t shutdown = config().timeouts.shutdown.count();
    const int64_t limit =
        servedRequest_ ? drainStartedAt_ + shutdown - std::min(kDrainIdleMarginMs, shutdown / 2)
                       : drainStartedAt_ + kDrainFirstRequestMs;
    return std::min(normalDeadline(), limit);
  }
  return normalDeadline();
}

int64_t Http1Connection::normalDeadline() const {
  const Timeouts& t = config().timeouts;
  switch (phase_) {
    case Phase::WaitingRequest:
      return headStartedAt_ >= 0 ? headStartedAt_ + t.requestHeader.count()
                                 : conn_->lastActivity() + t.keepalive.count();
    case Phase::Exchange:
      HTTPGATE_ASSERT(exchange_ != nullptr);
      return exchange_->deadline();
    case Phase::Tunnel:
      return conn_->lastActivity() + t.tunnel.count();
    case Phase::Lingering:
      return lingerStartedAt_ + kLingerMs;
    case Phase::Closing:
      return conn_->lastActivity() + t.response.count();  // a client that stopped reading
  }
  return conn_->lastActivity();
}

void Http1Connection::onDeadline() {
  switch (phase_) {
    case Phase::WaitingRequest:
      if (headStartedAt_ >= 0 && !conn_->in().empty()) {
        spdlog::debug("{}: request header timeout", conn_->address());
        answerError(408);
        return;
      }
      if (draining_) {
        beginClose();  // silent for the whole drain: a graceful close
      } else {
        closeNow();  // an idle keep-alive connection
      }
      return;
    case Phase::Exchange:
      HTTPGATE_ASSERT(exchange_ != nullptr);
      exchange_->onDeadline();
      return;
    default:
      closeNow();
  }
}

}  // namespace httpgate::gate
