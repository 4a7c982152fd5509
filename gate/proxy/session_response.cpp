// The response side of a client session: reading the backend's response
// head, deciding what the client connection does after it, relaying the
// body, and turning backend failures into 502/504/410 answers.
#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "common/http/head_parser.h"
#include "common/http/header_rules.h"
#include "common/http/upgrade_offer.h"
#include "gate/apps/app_starts.h"
#include "gate/config/legacy_config.h"
#include "gate/proxy/client_session.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

bool ClientSession::processBackendInput() {
  if (phase_ == Phase::Tunnel) {
    size_t available = backend_->in().size();
    if (forwardResponse_ != available) {
      forwardResponse_ = available;
      return true;
    }
    return false;
  }
  if (phase_ != Phase::Exchange || responseDone_) {
    return false;
  }
  if (rawTunnel_) {
    return !backend_->connecting() && enterRawTunnel();
  }
  if (!responseHeadDone_) {
    if (!parseResponseHead()) {
      return false;
    }
    if (dead_ || !backend_ || phase_ != Phase::Exchange || !responseHeadDone_ || responseDone_) {
      return true;
    }
    // Decode the body bytes that came with the head now, so that a small
    // response leaves in one write together with its head.
    decodeResponseBody();
    return true;
  }
  return decodeResponseBody();
}

bool ClientSession::parseResponseHead() {
  Buffer& in = backend_->in();
  if (in.empty()) {
    if (backend_->eof) {
      backendFailed(BackendFailure::Died);
      return true;
    }
    return false;
  }
  http::ParseResult result =
      http::parseResponseHead(in.view(), response_, requestIsHead_, runtime_->responseLimits);
  if (result.status == http::ParseStatus::NeedMore) {
    if (backend_->eof || in.full()) {
      spdlog::warn(
          "backend port {}: {}", backendPort_,
          backend_->eof ? "closed in the middle of a response head" : "response head too large");
      backendFailed(BackendFailure::BadResponse);
      return true;
    }
    return false;
  }
  if (result.status == http::ParseStatus::Error) {
    spdlog::warn("backend port {}: invalid response: {}", backendPort_, result.reason);
    backendFailed(BackendFailure::BadResponse);
    return true;
  }

  int status = response_.status;
  if (status >= 100 && status < 200 && status != 101) {
    // Interim responses (100 Continue, 103 Early Hints) pass to HTTP/1.1
    // clients; the final response follows on the same backend connection.
    if (clientVersion_ == http::Version::Http11) {
      http::appendClientResponseHead(clientOut_, response_, clientVersion_, true, false);
    }
    in.consume(result.consumed);
    return true;
  }
  if (backend_->outSent == backend_->out.size()) {
    // No retry once a response has begun: the kept request head can go.
    backend_->out.clear();
    backend_->outSent = 0;
  }
  logStatus_ = status;
  if (status == 101) {
    // A tunnel opens only to the protocol the gate forwarded: a 101 to a
    // request that asked for none (its h2c offer removed), or to another
    // protocol, would let the client past the request parser.
    if (!requestUpgrade_ || !http::switchesToOffered(response_.headers, upgradeOffer_)) {
      spdlog::warn("backend port {}: 101 that does not answer a forwarded upgrade ({})",
                   backendPort_, requestUpgrade_ ? upgradeOffer_ : std::string("none"));
      backendFailed(BackendFailure::BadResponse);
      return true;
    }
    http::appendClientResponseHead(clientOut_, response_, clientVersion_, true, true);
    in.consume(result.consumed);
    writeAccessLog();
    phase_ = Phase::Tunnel;
    responseHeadDone_ = true;
    forwardRequest_ = clientIn_.size();
    forwardResponse_ = in.size();
    return true;
  }

  // The client connection stays open only if both sides allow it, the body
  // is not delimited by close, and the request was read completely.
  bool keepAlive = requestKeepAlive_ && !draining_ && requestDone_ &&
                   response_.body != http::BodyKind::UntilClose;
  closeAfterResponse_ = closeAfterResponse_ || !keepAlive;
  http::appendClientResponseHead(clientOut_, response_, clientVersion_, keepAlive, false, hsts());
  in.consume(result.consumed);
  backendReusable_ = response_.keepAlive && response_.body != http::BodyKind::UntilClose;
  responseBody_.reset(response_.body, response_.contentLength);
  responseHeadDone_ = true;
  responseDone_ = responseBody_.done();
  return true;
}

bool ClientSession::decodeResponseBody() {
  Buffer& in = backend_->in();
  std::string_view pending = in.view().substr(forwardResponse_);
  if (pending.empty()) {
    if (!backend_->eof) {
      return false;
    }
    if (responseBody_.kind() == http::BodyKind::UntilClose) {
      responseDone_ = true;  // the close is the end of this body
      return true;
    }
    spdlog::warn("backend port {} closed in the middle of a response body", backendPort_);
    abortExchange();
    return true;
  }
  http::BodyDecoder::Step step = responseBody_.feed(pending);
  if (step.error) {
    spdlog::warn("backend port {}: invalid response body: {}", backendPort_, step.reason);
    abortExchange();
    return true;
  }
  forwardResponse_ += step.consumed;
  if (step.done) {
    responseDone_ = true;
    if (forwardResponse_ < in.size()) {
      backendReusable_ = false;  // bytes after the response: not a clean connection
    }
  }
  return step.consumed > 0 || step.done;
}

bool ClientSession::canRetryOnFreshConnection() const {
  // A pooled connection the backend closed just before our request arrived
  // looks like a failure before any response byte. Sending the request again
  // on a new connection is safe when no body was consumed yet.
  // The request head is still in the connection's output then (see
  // flushToBackend), ready to go again.
  if (!backend_ || responseBytesSeen_ || backend_->out.empty() || requestUpgrade_ ||
      requestHasBody_) {
    return false;
  }
  if (backend_->reused) {
    return true;
  }
  // A new connection that dies before answering was accepted by a backend
  // on its way out (a session process that exits closes its listening
  // socket, but a connection may already wait in its backlog). Once, and
  // only for a method that may be repeated (RFC 9110, 9.2.2): the next
  // attempt then finds the port closed and gets its 502 or 410.
  return !freshRetryDone_ && requestIdempotent_;
}

// Counts `failure` when the backend connection could not be opened at all
// (refused, a connect error, the connect timeout) and the request fails for
// it: a pooled connection retried and a refusal that starts an app are not
// counted, nor is a backend that fails after it accepted.
void ClientSession::countConnectFailure(BackendFailure failure) {
  ConnectFailure reason = ConnectFailure::Error;
  switch (failure) {
    case BackendFailure::Refused:
      reason = ConnectFailure::Refused;
      break;
    case BackendFailure::ConnectFailed:
      reason = ConnectFailure::Error;
      break;
    case BackendFailure::Timeout:
      if (!backend_ || !backend_->connecting()) {
        return;  // a response timeout
      }
      reason = ConnectFailure::Timeout;
      break;
    case BackendFailure::HostDown:
      reason = ConnectFailure::HostDown;
      break;
    case BackendFailure::Died:
    case BackendFailure::BadResponse:
      return;
  }
  worker_.metrics().connectFailures[static_cast<size_t>(reason)].add();
}

void ClientSession::backendFailed(BackendFailure failure) {
  if ((failure == BackendFailure::Died || failure == BackendFailure::Refused) &&
      canRetryOnFreshConnection()) {
    spdlog::debug("backend port {}: connection closed before an answer; retrying", backendPort_);
    freshRetryDone_ = freshRetryDone_ || !backend_->reused;
    connectBackend(std::move(backend_->out));
    return;
  }
  if (failure == BackendFailure::Refused && startableApp_ != nullptr && !appStartTried_ &&
      worker_.appStarts() != nullptr) {
    waitForApp();
    return;
  }
  countConnectFailure(failure);
  const bool connecting = backend_ && backend_->connecting();
  backend_.reset();
  int status = 502;
  std::string_view body;
  std::optional<std::string> livePage;
  switch (failure) {
    case BackendFailure::HostDown:  // host_health.h: answered as a refused port, untried
    case BackendFailure::Refused:
      if (sessionMarker_ && config().voidPagePerRequest) {
        // The legacy mode reads ./void for every 410, as httpGate: an error
        // path, where an operator's edit showing at once matters more.
        if (std::string error = readVoidPage(config().voidPageFile, livePage); !error.empty()) {
          spdlog::warn("void page: {}", error);
        }
        if (livePage) {
          status = 410;
          body = *livePage;
        }
      } else if (sessionMarker_ && !config().voidPageFile.empty()) {
        status = 410;  // a PicoLisp session that has ended
        body = config().voidPage;
      }
      if (failure == BackendFailure::HostDown) {
        spdlog::debug("{}: backend host {} is down: port {} not tried", clientAddress_,
                      backendHost_, backendPort_);
        break;
      }
      spdlog::info("{}: backend port {} refused the connection", clientAddress_, backendPort_);
      break;
    case BackendFailure::Timeout:
      status = 504;
      if (connecting) {
        spdlog::warn("{}: backend {}:{} did not accept the connection within {} ms", clientAddress_,
                     backendHost_, backendPort_, config().timeouts.connect.count());
      } else {
        spdlog::warn("{}: backend {}:{} sent no response in time", clientAddress_, backendHost_,
                     backendPort_);
      }
      break;
    case BackendFailure::ConnectFailed:
    case BackendFailure::Died:
    case BackendFailure::BadResponse:
      break;
  }
  failExchange(status, body);
}

// Answers the current request with a gate-made error instead of the
// backend's response.
void ClientSession::failExchange(int status, std::string_view body) {
  // The rest of an unread request body cannot be skipped reliably: close.
  bool close = !requestDone_ || closeAfterResponse_;
  // Body bytes decoded but not yet sent are dropped with the exchange, so
  // that they are never read as the next request.
  clientIn_.consume(forwardRequest_);
  forwardRequest_ = 0;
  respondLocal(status, close, {}, body);
}

// Nothing listens on the port of an app that has a start command: have it
// started (by the start helper, see app_starts.h) and keep the request —
// its head, and any body bytes still in the input buffer — until it runs.
// The connection's events stay armed meanwhile; other connections are not
// held up.
void ClientSession::waitForApp() {
  appStartTried_ = true;
  appWait_ = std::make_unique<AppWait>();
  appWait_->head = std::move(backend_->out);
  backend_.reset();
  // The helper gives up after `start.wait`; this bound only matters if its
  // answer never comes.
  constexpr int64_t kGraceMs = 5000;
  appWait_->deadline = now() + startableApp_->start->wait.count() + kGraceMs;
  appWait_->id = worker_.addAppWaiter(this);
  spdlog::info("{}: app {} does not answer on port {}; starting it", clientAddress_,
               startableApp_->name, backendPort_);
  Worker* worker = &worker_;
  uint64_t id = appWait_->id;
  worker_.appStarts()->request(startableApp_->name, worker_,
                               [worker, id](bool ok, const std::string& message) {
                                 worker->appStartFinished(id, ok, message);
                               });
}

void ClientSession::appStartFinished(bool ok, const std::string& message) {
  std::unique_ptr<AppWait> wait = std::move(appWait_);
  if (ok) {
    connectBackend(std::move(wait->head));
  } else {
    spdlog::warn("{}: 503 for app {}: {}", clientAddress_, startableApp_->name, message);
    failExchange(503);
  }
  run();
  if (dead_) {
    worker_.destroy(this);
  }
}

void ClientSession::abortExchange() {
  // Part of a response may have reached the client already: the only honest
  // signal left is closing the connection.
  writeAccessLog();
  closeNow();
}

void ClientSession::finishBackend() {
  if (!backend_) {
    return;
  }
  bool clean = backendReusable_ && requestDone_ && forwardRequest_ == 0 && !backend_->eof &&
               backend_->outSent == backend_->out.size() && backend_->in().empty();
  if (clean && !draining_) {
    backend_->setOwner(nullptr);
    worker_.backends().give(std::move(backend_));
  }
  backend_.reset();
}

}  // namespace httpgate::gate
