// The request side of a client session: parsing each request head, routing
// it, answering locally (errors, redirects) or starting the exchange with a
// backend, and forwarding the request body.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "common/http/chars.h"
#include "common/http/head_parser.h"
#include "common/http/header_rules.h"
#include "common/http/responses.h"
#include "common/http/upgrade_offer.h"
#include "gate/proxy/client_session.h"
#include "gate/proxy/raw_tunnel.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

std::string_view findHeader(const http::RequestHead& head, std::string_view name) {
  for (const http::HeaderField& field : head.headers) {
    if (http::iequals(field.name, name)) {
      return field.value;
    }
  }
  return {};
}

// "example.org:8080" -> "example.org"; "[::1]:8080" -> "[::1]".
std::string_view hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

}  // namespace

bool ClientSession::processClientInput() {
  switch (phase_) {
    case Phase::WaitingRequest:
      return parseNextRequest();
    case Phase::Exchange: {
      if (requestDone_) {
        return false;
      }
      if (reframe_) {
        return collectReframedBody();
      }
      std::string_view pending = clientIn_.view().substr(forwardRequest_);
      if (pending.empty()) {
        if (clientEof_) {
          // The client went away in the middle of its request body.
          abortExchange();
          return true;
        }
        return false;
      }
      http::BodyDecoder::Step step = requestBody_.feed(pending);
      if (step.error) {
        spdlog::info("{}: bad request body: {}", clientAddress_, step.reason);
        if (responseHeadDone_) {
          abortExchange();
        } else {
          backend_.reset();
          forwardRequest_ = 0;
          respondLocal(400, true);
        }
        return true;
      }
      if (requestBodyLimit_ != 0 && requestBody_.payloadBytes() > requestBodyLimit_) {
        requestBodyTooLarge();
        return true;
      }
      forwardRequest_ += step.consumed;
      if (step.consumed > 0) {
        lastBodyByte_ = now();
        bodyWindowBytes_ += step.consumed;
      }
      if (step.done) {
        requestDone_ = true;
      }
      return step.consumed > 0 || step.done;
    }
    case Phase::Tunnel:
      if (forwardRequest_ != clientIn_.size()) {
        forwardRequest_ = clientIn_.size();
        return true;
      }
      return false;
    case Phase::Lingering:
      clientIn_.clear();
      return false;
    default:
      return false;
  }
}

// Parses the next request head once the previous response is fully written
// (so that pipelined answers stay in order and output stays bounded).
bool ClientSession::parseNextRequest() {
  if (clientOutSent_ != clientOut_.size() || clientIn_.empty()) {
    if (clientIn_.empty() && clientEof_) {
      closeNow();  // a clean close between requests
    }
    return false;
  }
  if (headStartedAt_ < 0) {
    headStartedAt_ = now();
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
  std::string_view unscanned = clientIn_.view().substr(headScanned_);
  bool crossesLineLimit =
      headScanned_ <= limits.maxRequestLine && clientIn_.size() > limits.maxRequestLine;
  bool atHeadLimit = clientIn_.size() >= limits.maxHeadBytes || clientIn_.full();
  if (unscanned.find('\n') == std::string_view::npos && !crossesLineLimit && !atHeadLimit &&
      !clientEof_) {
    headScanned_ = clientIn_.size();
    return false;
  }
  headScanned_ = clientIn_.size();
  http::ParseResult result = http::parseRequestHead(clientIn_.view(), request_, limits);
  switch (result.status) {
    case http::ParseStatus::NeedMore:
      if (clientEof_) {
        closeNow();  // half a request head, then nothing
      } else if (clientIn_.full()) {
        respondLocal(431, true);  // the parser's limit is above our buffer
        return true;
      }
      return false;
    case http::ParseStatus::Error:
      headScanned_ = 0;
      spdlog::info("{}: rejected request ({}): {}", clientAddress_, result.errorStatus,
                   result.reason);
      resetLogFields();
      respondLocal(result.errorStatus, true);
      return true;
    case http::ParseStatus::Done:
      headScanned_ = 0;
      beginRequest(result.consumed);
      if (!dead_ && phase_ == Phase::Exchange && !requestDone_) {
        processClientInput();  // body bytes that came with the head go out with it
      }
      return true;
  }
  return false;
}

void ClientSession::resetLogFields() {
  clock_gettime(CLOCK_REALTIME, &requestStartWall_);
  clock_gettime(CLOCK_MONOTONIC, &requestStartMono_);
  bytesSent_ = 0;
  logStatus_ = 0;
  routeKind_ = RouteKind::Local;
  logMethod_.clear();
  logTarget_.clear();
  logReferer_.clear();
  logUserAgent_.clear();
}

void ClientSession::captureLogFields() {
  resetLogFields();
  if (!runtime_->accessLog) {
    return;
  }
  logMethod_.assign(request_.method);
  logTarget_.assign(request_.target);
  logReferer_.assign(findHeader(request_, "referer"));
  logUserAgent_.assign(findHeader(request_, "user-agent"));
}

void ClientSession::beginRequest(size_t headBytes) {
  servedRequest_ = true;
  captureLogFields();
  clientVersion_ = request_.version;
  requestKeepAlive_ = request_.keepAlive && !draining_;
  requestIsHead_ = request_.isHead;
  requestHasBody_ = request_.hasBody();
  // A request answered here without reading its body ends the connection:
  // the unread body must never be taken for the next request.
  bool closeAfter = !requestKeepAlive_ || requestHasBody_;
  backendPort_ = 0;

  if (request_.isConnect) {
    clientIn_.consume(headBytes);
    respondLocal(405, true);
    return;
  }
  const ListenConfig& listener = config().listeners[listener_];
  if (listener.redirectHttps) {
    routeKind_ = RouteKind::Redirect;
    redirectToHttps(headBytes);
    return;
  }
  Route route = gate::route(config().routes, request_.path);
  switch (route.kind) {
    case Route::Kind::Forbidden:
      clientIn_.consume(headBytes);
      respondLocal(403, closeAfter);
      return;
    case Route::Kind::Redirect: {
      routeKind_ = RouteKind::Redirect;
      std::string location(route.location);
      clientIn_.consume(headBytes);
      respondLocal(302, closeAfter, location);
      return;
    }
    case Route::Kind::Backend:
      routeKind_ = route.isDefault        ? RouteKind::Default
                   : route.app != nullptr ? RouteKind::App
                                          : RouteKind::Port;
      startExchange(route, headBytes);
      return;
  }
}

void ClientSession::redirectToHttps(size_t headBytes) {
  std::string_view host = hostWithoutPort(request_.host);
  if (host.empty()) {
    clientIn_.consume(headBytes);
    respondLocal(400, true);
    return;
  }
  std::string location = "https://";
  location.append(host);
  if (runtime_->httpsPort != 0 && runtime_->httpsPort != 443) {
    location.append(":").append(std::to_string(runtime_->httpsPort));
  }
  location.append(request_.path == "*" ? std::string_view("/") : request_.path);
  clientIn_.consume(headBytes);
  respondLocal(308, !requestKeepAlive_ || requestHasBody_, location);
}

void ClientSession::startExchange(const Route& route, size_t headBytes) {
  requestBodyLimit_ = route.app != nullptr && route.app->maxRequestBody
                          ? *route.app->maxRequestBody
                          : config().limits.maxRequestBody;
  if (requestBodyLimit_ != 0 && request_.body == http::BodyKind::Length &&
      request_.contentLength > requestBodyLimit_) {
    // Before a byte goes anywhere; the unread body ends the connection.
    spdlog::info("{}: request body of {} bytes is over the limit of {}", clientAddress_,
                 request_.contentLength, requestBodyLimit_);
    clientIn_.consume(headBytes);
    respondLocal(413, true);
    return;
  }
  backendAddress_ = route.host->socket;
  backendHost_ = route.host->name;
  backendPort_ = route.port;
  backendHealth_ = runtime_->hostHealth ? runtime_->hostHealth->find(route.host) : nullptr;
  sessionMarker_ = route.sessionMarker;
  // Only a configured protocol may turn the connection into a tunnel; an
  // h2c upgrade (or any other) is proxied as an ordinary request.
  upgradeOffer_.clear();
  if (request_.upgrade) {
    upgradeOffer_ = http::allowedUpgrades(request_.headers, config().headers.upgrade);
    request_.upgrade = !upgradeOffer_.empty();
  }
  requestUpgrade_ = request_.upgrade;
  startableApp_ = route.app != nullptr && route.app->start ? route.app : nullptr;
  appStartTried_ = false;
  freshRetryDone_ = false;
  {
    const std::string_view m = request_.method;
    requestIdempotent_ =
        m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
  }

  http::ClientInfo info;
  info.address = clientAddress_;
  info.scheme = client_.isTls() ? "https" : "http";
  info.cipher = client_.cipher();
  http::ForwardOptions options;
  options.forwarded = config().headers.forwarded;
  options.picolisp = config().headers.picolisp;
  options.reframe = wantsReframe();
  options.upgrade = upgradeOffer_;
  // Raw bytes follow this head (raw_tunnel.h): a new connection, told to
  // close after its answer, and the bytes after the head are a body of
  // unknown length (so the head is never sent twice).
  rawTunnel_ = wantsRawTunnel(request_, config().routes.rawPaths);
  options.close = rawTunnel_;
  requestHasBody_ = requestHasBody_ || rawTunnel_;
  // The head is written straight into the output of the backend connection:
  // a pooled one if there is one, else a string for a new connection. A
  // re-framed request picks its connection only once its body is complete.
  // A host marked down (host_health.h) is not used at all.
  std::unique_ptr<BackendConnection> pooled =
      options.reframe || rawTunnel_ || markedDown(backendHealth_)
          ? nullptr
          : worker_.backends().take(BackendKey::from(backendAddress_, backendPort_));
  std::string head;
  std::string& out = pooled ? pooled->out : head;
  out.clear();
  http::appendBackendRequestHead(out, request_, route.prefix, route.path, info, options);

  requestBody_.reset(request_.body, request_.contentLength);
  requestDone_ = requestBody_.done();
  const bool expectContinue = request_.expectContinue;
  clientIn_.consume(headBytes);  // request_'s views are dead from here on
  forwardRequest_ = 0;
  forwardResponse_ = 0;
  responseHeadDone_ = responseDone_ = responseBytesSeen_ = false;
  backendReusable_ = false;
  closeAfterResponse_ = !requestKeepAlive_ || rawTunnel_;
  phase_ = Phase::Exchange;
  restartBodyWindow();

  if (options.reframe) {
    if (expectContinue) {
      // The backend sees nothing before the whole body is here, so the
      // client's wait for a 100 must be ended by the gate.
      clientOut_.append("HTTP/1.1 100 Continue\r\n\r\n");
    }
    beginReframe(std::move(head));
    return;
  }
  if (pooled) {
    backend_ = std::move(pooled);
    backend_->setOwner(this);
    backend_->outSent = 0;
    return;
  }
  connectBackend(std::move(head));
}

// Opens a new backend connection that will send `head` (and what follows
// it) once connected.
void ClientSession::connectBackend(std::string head) {
  backend_ = std::make_unique<BackendConnection>(worker_.base(),
                                                 BackendKey::from(backendAddress_, backendPort_));
  backend_->setOwner(this);
  backend_->out = std::move(head);
  backend_->outSent = 0;
  // Passive health (host_health.h): a host marked down is not tried.
  if (!backend_->attempt.begin(backendHealth_)) {
    backendFailed(BackendFailure::HostDown);
    return;
  }
  connectStartedAt_ = now();
  switch (backend_->connect(backendAddress_, backendPort_)) {
    case BackendConnection::ConnectResult::Connected:
    case BackendConnection::ConnectResult::InProgress:
      return;
    case BackendConnection::ConnectResult::Refused:
      backendFailed(BackendFailure::Refused);
      return;
    case BackendConnection::ConnectResult::Failed:
      spdlog::warn("{}: cannot connect to backend {}:{}: {}", clientAddress_, backendHost_,
                   backendPort_, std::strerror(errno));
      backendFailed(BackendFailure::ConnectFailed);
      return;
  }
}

// Queues a response made by the gate and ends the current request: the
// connection closes after it when `close`, else the next request is read.
void ClientSession::respondLocal(int status, bool close, std::string_view location,
                                 std::string_view body) {
  http::LocalResponse response;
  response.status = status;
  response.location = location;
  response.body = body;
  response.close = close || draining_;
  response.headOnly = requestIsHead_;
  response.http10 = clientVersion_ == http::Version::Http10 && !response.close;
  response.hsts = hsts();
  size_t before = clientOut_.size();
  http::appendLocalResponse(clientOut_, response);
  logStatus_ = status;
  bytesSent_ = clientOut_.size() - before;
  writeAccessLog();
  requestIsHead_ = false;
  headStartedAt_ = -1;
  if (response.close) {
    beginClose();
  } else {
    phase_ = Phase::WaitingRequest;
  }
}

// A request body past limits.max_request_body (or its app's): 413 while no
// response has begun, with the backend connection closed so that it never
// takes what it got of the body for a complete request; once a response is
// on its way, the connection ends.
void ClientSession::requestBodyTooLarge() {
  spdlog::info("{}: request body for backend port {} is over the limit of {} bytes", clientAddress_,
               backendPort_, requestBodyLimit_);
  if (responseHeadDone_) {
    abortExchange();
    return;
  }
  backend_.reset();
  failExchange(413);
}

// The Strict-Transport-Security value for this connection: only on TLS
// (RFC 6797 7.2: a UA ignores it over plain HTTP, and it must not be sent).
std::string_view ClientSession::hsts() const {
  return client_.isTls() ? std::string_view(config().headers.hsts) : std::string_view();
}

// Every request ends here, whatever answered it: the request counters too.
void ClientSession::writeAccessLog() {
  worker_.metrics().countRequest(logStatus_, routeKind_);
  if (!runtime_->accessLog) {
    return;
  }
  AccessRecord record;
  record.client = clientAddress_;
  record.method = logMethod_.empty() ? std::string_view("-") : std::string_view(logMethod_);
  record.target = logTarget_;
  record.version = clientVersion_ == http::Version::Http10 ? "HTTP/1.0" : "HTTP/1.1";
  record.status = logStatus_;
  record.bytes = bytesSent_;
  record.backendPort = backendPort_;
  timespec end{};
  clock_gettime(CLOCK_MONOTONIC, &end);
  record.durationMs = static_cast<double>(end.tv_sec - requestStartMono_.tv_sec) * 1e3 +
                      static_cast<double>(end.tv_nsec - requestStartMono_.tv_nsec) / 1e6;
  record.referer = logReferer_;
  record.userAgent = logUserAgent_;
  record.start = requestStartWall_;
  runtime_->accessLog->write(record);
}

}  // namespace httpgate::gate
