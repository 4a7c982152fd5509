// The response side of an exchange: reading the backend's response head,
// deciding whether the client side stays open after it, relaying the body,
// and the two ways into a tunnel (a 101, a raw path's accepted connect).
#include <spdlog/spdlog.h>

#include "common/assert.h"
#include "common/http/head_parser.h"
#include "common/http/upgrade_offer.h"
#include "gate/proxy/exchange.h"

namespace httpgate::gate {

bool Exchange::processBackendInput() {
  HTTPGATE_ASSERT(backend_ != nullptr && !ended_);
  if (tunnel_) {
    const size_t available = backend_->in().size();
    if (forwardResponse_ == available) {
      return false;
    }
    forwardResponse_ = available;
    return true;
  }
  if (responseDone_) {
    return false;
  }
  if (request_.rawTunnel) {
    return !backend_->connecting() && enterRawTunnel();
  }
  if (!responseHeadDone_) {
    if (!parseResponseHead()) {
      return false;
    }
    if (ended_ || !backend_ || tunnel_ || !responseHeadDone_ || responseDone_) {
      return true;
    }
    // Decode the body bytes that came with the head now, so that a small
    // response leaves in one write together with its head.
    decodeResponseBody();
    return true;
  }
  return decodeResponseBody();
}

bool Exchange::parseResponseHead() {
  Buffer& in = backend_->in();
  if (in.empty()) {
    if (backend_->eof()) {
      backendFailed(BackendFailure::Died);
      return true;
    }
    return false;
  }
  const http::ParseResult result =
      http::parseResponseHead(in.view(), response_, request_.isHead, runtime_->responseLimits);
  if (result.status == http::ParseStatus::NeedMore) {
    if (backend_->eof() || in.full()) {
      spdlog::warn(
          "backend port {}: {}", backendPort_,
          backend_->eof() ? "closed in the middle of a response head" : "response head too large");
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

  const int status = response_.status;
  if (status >= 100 && status < 200 && status != 101) {
    // Interim responses (100 Continue, 103 Early Hints) pass on; the final
    // response follows on the same backend connection.
    client_.sendInterim(response_);
    in.consume(result.consumed);
    return true;
  }
  backend_->dropSentRequest();  // no retry once a response has begun
  log_.status = status;
  if (status == 101) {
    return switchProtocols(result.consumed);
  }

  // The client side stays open only if both sides allow it, the body is
  // not delimited by close, and the request was read completely.
  const bool keepAlive = request_.keepAlive && !client_.draining() && requestDone_ &&
                         response_.body != http::BodyKind::UntilClose;
  closeAfterResponse_ = closeAfterResponse_ || !keepAlive;
  client_.sendResponseHead(response_, keepAlive);
  in.consume(result.consumed);
  backendReusable_ = response_.keepAlive && response_.body != http::BodyKind::UntilClose;
  responseBody_.reset(response_.body, response_.contentLength);
  responseHeadDone_ = true;
  responseDone_ = responseBody_.done();
  return true;
}

// A 101 opens a tunnel only to the protocol the gate forwarded: a 101 to a
// request that asked for none (its h2c offer removed), or to another
// protocol, would let the client past the request parser.
bool Exchange::switchProtocols(size_t headBytes) {
  if (!request_.upgrade || !http::switchesToOffered(response_.headers, upgradeOffer_)) {
    spdlog::warn("backend port {}: 101 that does not answer a forwarded upgrade ({})", backendPort_,
                 request_.upgrade ? upgradeOffer_ : std::string("none"));
    backendFailed(BackendFailure::BadResponse);
    return true;
  }
  client_.sendSwitchingProtocols(response_);
  backend_->in().consume(headBytes);
  writeLog();
  tunnel_ = true;
  responseHeadDone_ = true;
  forwardRequest_ = client_.requestBytes().size();
  forwardResponse_ = backend_->in().size();
  return true;
}

bool Exchange::decodeResponseBody() {
  Buffer& in = backend_->in();
  const std::string_view pending = in.view().substr(forwardResponse_);
  if (pending.empty()) {
    if (!backend_->eof()) {
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
  const http::BodyDecoder::Step step = responseBody_.feed(pending);
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

// A raw path (raw_tunnel.h), once the backend has accepted the connection
// (a refusal or a connect timeout is answered with 502/410/504 as for any
// request, since nothing has been relayed yet). From here on both sides are
// relayed verbatim, the backend's answer included, until one of them
// closes, as after a 101; the connection never returns to the pool.
bool Exchange::enterRawTunnel() {
  log_.status = 200;  // the backend took the request; its answer is not HTTP
  writeLog();
  client_.openRawTunnel();
  tunnel_ = true;
  responseHeadDone_ = true;
  forwardRequest_ = client_.requestBytes().size();
  forwardResponse_ = backend_->in().size();
  return true;
}

}  // namespace httpgate::gate
