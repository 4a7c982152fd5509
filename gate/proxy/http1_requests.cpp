// The requests of an HTTP/1.1 client connection: parsing each head once the
// previous response is out, handing it to a fresh exchange, and writing
// what the exchange sends back in HTTP/1.1's form.
#include <spdlog/spdlog.h>

#include "common/http/head_parser.h"
#include "common/http/header_rules.h"
#include "common/http/responses.h"
#include "common/time/clock.h"
#include "gate/proxy/http1_connection.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

// Parses the next request head once the previous response is fully written
// (so that pipelined answers stay in order and output stays bounded).
bool Http1Connection::parseNextRequest() {
  Buffer& in = conn_->in();
  if (conn_->outPending() || in.empty()) {
    if (in.empty() && conn_->eof()) {
      closeNow();  // a clean close between requests
    }
    return false;
  }
  if (headStartedAt_ < 0) {
    headStartedAt_ = clock::coarseMs();
    // Each request is routed by the configuration current when it begins:
    // after a reload (an edited names file, say) a keep-alive connection
    // follows the new routes at its next request. The TLS session stays as
    // it was negotiated (the SSL holds its own context; renegotiation is off).
    if (worker_.runtime() != runtime_) {
      runtime_ = worker_.runtime();
    }
  }
  // A head can only end at a LF: without a new one since the last attempt,
  // parsing again would only repeat work (a client dripping one byte at a
  // time would otherwise cost quadratic time).
  // The parser still sees the head when it crosses a length limit.
  const http::HeadLimits& limits = runtime_->headLimits;
  const std::string_view unscanned = in.view().substr(headScanned_);
  const bool crossesLineLimit =
      headScanned_ <= limits.maxRequestLine && in.size() > limits.maxRequestLine;
  const bool atHeadLimit = in.size() >= limits.maxHeadBytes || in.full();
  if (unscanned.find('\n') == std::string_view::npos && !crossesLineLimit && !atHeadLimit &&
      !conn_->eof()) {
    headScanned_ = in.size();
    return false;
  }
  headScanned_ = in.size();
  const http::ParseResult result = http::parseRequestHead(in.view(), request_, limits);
  switch (result.status) {
    case http::ParseStatus::NeedMore:
      if (conn_->eof()) {
        closeNow();  // half a request head, then nothing
      } else if (in.full()) {
        answerError(431);  // the parser's limit is above our buffer
        return true;
      }
      return false;
    case http::ParseStatus::Error:
      headScanned_ = 0;
      spdlog::info("{}: rejected request ({}): {}", conn_->address(), result.errorStatus,
                   result.reason);
      answerError(result.errorStatus);
      return true;
    case http::ParseStatus::Done:
      headScanned_ = 0;
      beginRequest(result.consumed);
      if (!dead_ && phase_ == Phase::Exchange && !exchange_->requestComplete()) {
        exchange_->takeRequestBody();  // body bytes that came with the head go out with it
      }
      return true;
  }
  return false;
}

void Http1Connection::beginRequest(size_t headBytes) {
  servedRequest_ = true;
  version_ = request_.version;
  headBytes_ = headBytes;
  exchange_ = std::make_unique<Exchange>(*this, worker_, runtime_, listener_);
  // The exchange may answer at once (an error, a redirect), which moves the
  // phase on again.
  phase_ = Phase::Exchange;
  exchange_->begin(request_);
}

// A request the connection itself rejects (a bad or too large head, one
// that did not arrive in time): answered, logged, and the connection closes.
void Http1Connection::answerError(int status) {
  RequestLog log;
  log.start();
  log.version = version_;
  LocalAnswer answer;
  answer.status = status;
  answer.close = true;
  log.bytesSent = sendLocal(answer);
  log.status = status;
  log.write(worker_, *runtime_, conn_->address());
}

// The Strict-Transport-Security value for this connection: only on TLS
// (RFC 6797 7.2: a UA ignores it over plain HTTP, and it must not be sent).
std::string_view Http1Connection::hsts() const {
  return conn_->isTls() ? std::string_view(config().headers.hsts) : std::string_view();
}

void Http1Connection::releaseRequestHead() {
  conn_->in().consume(headBytes_);
  headBytes_ = 0;
}

void Http1Connection::sendContinue() {
  conn_->out().append("HTTP/1.1 100 Continue\r\n\r\n");
}

// Interim responses (100 Continue, 103 Early Hints) reach HTTP/1.1 clients
// only; an HTTP/1.0 client would take one for the response.
void Http1Connection::sendInterim(const http::ResponseHead& head) {
  if (version_ == http::Version::Http11) {
    http::appendClientResponseHead(conn_->out(), head, version_, true, false);
  }
}

void Http1Connection::sendResponseHead(const http::ResponseHead& head, bool keepAlive) {
  http::appendClientResponseHead(conn_->out(), head, version_, keepAlive, false, hsts());
}

void Http1Connection::sendSwitchingProtocols(const http::ResponseHead& head) {
  http::appendClientResponseHead(conn_->out(), head, version_, true, true);
  phase_ = Phase::Tunnel;
}

void Http1Connection::openRawTunnel() {
  phase_ = Phase::Tunnel;
}

// Queues a response made by the gate and ends the current request: the
// connection closes after it when asked (or draining), else the next request
// is read.
size_t Http1Connection::sendLocal(const LocalAnswer& answer) {
  http::LocalResponse response;
  response.status = answer.status;
  response.location = answer.location;
  response.body = answer.body;
  response.close = answer.close || draining_;
  response.headOnly = answer.headOnly;
  response.http10 = version_ == http::Version::Http10 && !response.close;
  response.hsts = hsts();
  response.retryAfter = answer.retryAfter;
  std::string& out = conn_->out();
  const size_t before = out.size();
  http::appendLocalResponse(out, response);
  headStartedAt_ = -1;
  if (response.close) {
    beginClose();
  } else {
    phase_ = Phase::WaitingRequest;
  }
  return out.size() - before;
}

}  // namespace httpgate::gate
