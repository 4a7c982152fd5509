// An exchange's beginning and end: routing the request, answering it here
// or opening its backend connection, and giving the connection back to the
// pool once the response is out.
#include "gate/proxy/exchange.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "common/assert.h"
#include "common/http/forwarded_for.h"
#include "common/http/header_rules.h"
#include "common/http/upgrade_offer.h"
#include "common/net/address.h"
#include "common/time/clock.h"
#include "gate/proxy/raw_tunnel.h"
#include "gate/proxy/worker.h"
#include "gate/tls/acme_challenges.h"

namespace httpgate::gate {
namespace {

// "example.org:8080" -> "example.org"; "[::1]:8080" -> "[::1]".
std::string_view hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

bool isIdempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

}  // namespace

Exchange::Exchange(ExchangeClient& client, Worker& worker, std::shared_ptr<const Runtime> runtime,
                   size_t listener)
    : client_(client), worker_(worker), runtime_(std::move(runtime)), listener_(listener) {
  response_.headers = worker_.fieldLists().take();
}

Exchange::~Exchange() {
  worker_.fieldLists().give(std::move(response_.headers));
  if (appWait_) {
    worker_.removeAppWaiter(appWait_->id);
  }
}

int64_t Exchange::now() const {
  return clock::coarseMs();
}

void Exchange::begin(http::RequestHead& request) {
  HTTPGATE_ASSERT(!ended_ && !backend_);  // an exchange carries one request
  log_.start(request, runtime_->accessLog != nullptr);
  log_.http2 = client_.isHttp2();
  if (!config().headers.trustedProxies.empty()) {
    findForwardedClient(request);
  }
  request_.keepAlive = request.keepAlive && !client_.draining();
  request_.isHead = request.isHead;
  request_.hasBody = request.hasBody();
  // A request answered here without reading its body ends the connection:
  // the unread body must never be taken for the next request.
  const bool closeAfter = !request_.keepAlive || request_.hasBody;

  // limits.per_client.requests: every request of either protocol takes a
  // token here, before anything else is done for it.
  if (const uint32_t wait = worker_.admitRequest(config(), clientAddress())) {
    client_.releaseRequestHead();
    LocalAnswer local;
    local.status = 429;
    local.close = closeAfter;
    local.retryAfter = wait;
    answer(local);
    return;
  }
  if (request.isConnect) {
    client_.releaseRequestHead();
    answer(405, true);
    return;
  }
  if (answerAcmeChallenge(request, closeAfter)) {
    return;
  }
  if (config().listeners[listener_].redirectHttps) {
    log_.routeKind = RouteKind::Redirect;
    redirectToHttps(request);
    return;
  }
  const Route route = gate::route(config().routes, request.path);
  switch (route.kind) {
    case Route::Kind::Forbidden:
      client_.releaseRequestHead();
      answer(403, closeAfter);
      return;
    case Route::Kind::Redirect: {
      log_.routeKind = RouteKind::Redirect;
      const std::string location(route.location);
      client_.releaseRequestHead();
      answer(302, closeAfter, location);
      return;
    }
    case Route::Kind::Backend:
      log_.routeKind = route.isDefault        ? RouteKind::Default
                       : route.app != nullptr ? RouteKind::App
                                              : RouteKind::Port;
      start(request, route);
      return;
  }
}

// An ACME http-01 validation of a token the gate offers now: answered
// before any redirect or route (RFC 8555 8.3). Other paths under the
// prefix go on as usual (a certbot webroot behind the gate still works).
bool Exchange::answerAcmeChallenge(const http::RequestHead& request, bool closeAfter) {
  if (request.path.size() <= kAcmeChallengePath.size() ||
      request.path.compare(0, kAcmeChallengePath.size(), kAcmeChallengePath) != 0 ||
      (request.method != "GET" && request.method != "HEAD")) {
    return false;
  }
  const std::optional<std::string> keyAuthorization =
      acmeChallenges().http01(request.path.substr(kAcmeChallengePath.size()));
  if (!keyAuthorization) {
    return false;
  }
  client_.releaseRequestHead();
  LocalAnswer local;
  local.status = 200;
  local.close = closeAfter;
  local.body = *keyAuthorization;
  local.headOnly = request.isHead;
  answer(local);
  return true;
}

void Exchange::findForwardedClient(const http::RequestHead& request) {
  const net::CidrSet& trusted = config().headers.trustedProxies;
  if (!trusted.contains(client_.clientAddress())) {
    return;  // anybody else's X-Forwarded-For is removed unread
  }
  const auto named = http::clientFromForwardedFor(request.headers, trusted);
  if (!named) {
    return;
  }
  forwardedClient_ = std::make_unique<ForwardedClient>();
  forwardedClient_->address = *named;
  net::formatAddress(*named, forwardedClient_->text, sizeof(forwardedClient_->text));
}

void Exchange::redirectToHttps(const http::RequestHead& request) {
  const std::string_view host = hostWithoutPort(request.host);
  if (host.empty()) {
    client_.releaseRequestHead();
    answer(400, true);
    return;
  }
  std::string location = "https://";
  location.append(host);
  if (runtime_->httpsPort != 0 && runtime_->httpsPort != 443) {
    location.append(":").append(std::to_string(runtime_->httpsPort));
  }
  location.append(request.path == "*" ? std::string_view("/") : request.path);
  client_.releaseRequestHead();
  answer(308, !request_.keepAlive || request_.hasBody, location);
}

void Exchange::start(http::RequestHead& request, const Route& route) {
  requestBodyLimit_ = route.app != nullptr && route.app->maxRequestBody
                          ? *route.app->maxRequestBody
                          : config().limits.maxRequestBody;
  if (requestBodyLimit_ != 0 && request.body == http::BodyKind::Length &&
      request.contentLength > requestBodyLimit_) {
    // Before a byte goes anywhere; the unread body ends the connection.
    spdlog::info("{}: request body of {} bytes is over the limit of {}", clientText(),
                 request.contentLength, requestBodyLimit_);
    client_.releaseRequestHead();
    answer(413, true);
    return;
  }
  chooseBackend(route);
  // Only a configured protocol may turn the connection into a tunnel; an
  // h2c upgrade (or any other) is proxied as an ordinary request.
  if (request.upgrade) {
    upgradeOffer_ = http::allowedUpgrades(request.headers, config().headers.upgrade);
    request.upgrade = !upgradeOffer_.empty();
  }
  request_.upgrade = request.upgrade;
  startableApp_ = route.app != nullptr && route.app->start ? route.app : nullptr;
  request_.idempotent = isIdempotent(request.method);

  http::ClientInfo info;
  info.address = clientText();
  info.scheme = client_.isTls() ? "https" : "http";
  info.cipher = client_.cipher();
  http::ForwardOptions options;
  options.forwarded = config().headers.forwarded;
  options.picolisp = config().headers.picolisp;
  options.reframe = wantsReframe(request);
  options.upgrade = upgradeOffer_;
  // Raw bytes follow this head (raw_tunnel.h): a new connection, told to
  // close after its answer, and the bytes after the head are a body of
  // unknown length (so the head is never sent twice).
  request_.rawTunnel = wantsRawTunnel(request, config().routes.rawPaths);
  options.close = request_.rawTunnel;
  request_.hasBody = request_.hasBody || request_.rawTunnel;
  // The head is written straight into the output of the backend connection:
  // a pooled one if there is one, else a string for a new connection. A
  // re-framed request picks its connection only once its body is complete.
  // A host marked down (host_health.h) is not used at all.
  std::unique_ptr<BackendConnection> pooled =
      options.reframe || request_.rawTunnel || markedDown(backendHealth_)
          ? nullptr
          : worker_.backends().take(backendKey_);
  std::string head;
  std::string& out = pooled ? pooled->newRequest() : head;
  http::appendBackendRequestHead(out, request, route.prefix, route.path, info, options);

  requestBody_.reset(request.body, request.contentLength);
  requestDone_ = requestBody_.done();
  const bool expectContinue = request.expectContinue;
  client_.releaseRequestHead();  // request's views are dead from here on
  closeAfterResponse_ = !request_.keepAlive || request_.rawTunnel;
  restartBodyWindow();

  if (options.reframe) {
    if (expectContinue) {
      // The backend sees nothing before the whole body is here, so the
      // client's wait for a 100 must be ended by the gate.
      client_.sendContinue();
    }
    beginReframe(std::move(head));
    return;
  }
  if (pooled) {
    backend_ = std::move(pooled);
    backend_->setOwner(this);
    return;
  }
  connectBackend(std::move(head));
}

void Exchange::chooseBackend(const Route& route) {
  backendAddress_ = route.host->socket;
  backendHost_ = route.host->name;
  backendPort_ = route.port;
  // Only hosts with tls look for their context; plain routes pay a test.
  backendTls_ = route.host->tls ? runtime_->hostTlsFor(route.host) : nullptr;
  backendKey_ =
      BackendKey::from(backendAddress_, backendPort_, backendTls_ ? backendTls_->id() : 0);
  backendHealth_ = runtime_->hostHealth ? runtime_->hostHealth->find(route.host) : nullptr;
  sessionMarker_ = route.sessionMarker;
}

// Opens a new backend connection that will send `head` (and what follows
// it) once connected.
void Exchange::connectBackend(std::string head) {
  backend_ = std::make_unique<BackendConnection>(worker_.base(), backendKey_,
                                                 &worker_.backendConnections());
  backend_->setOwner(this);
  backend_->send(std::move(head));
  // Passive health (host_health.h): a host marked down is not tried.
  if (!backend_->attempt.begin(backendHealth_)) {
    backendFailed(BackendFailure::HostDown);
    return;
  }
  connectStartedAt_ = now();
  switch (backend_->connect(backendAddress_, backendPort_, backendTls_)) {
    case BackendConnection::ConnectResult::Connected:
    case BackendConnection::ConnectResult::InProgress:
      return;
    case BackendConnection::ConnectResult::TlsFailed:
      tlsFailed();
      return;
    case BackendConnection::ConnectResult::Refused:
      backendFailed(BackendFailure::Refused);
      return;
    case BackendConnection::ConnectResult::Failed:
      spdlog::warn("{}: cannot connect to backend {}:{}: {}", clientText(), backendHost_,
                   backendPort_, std::strerror(errno));
      backendFailed(BackendFailure::ConnectFailed);
      return;
  }
}

// Answers the request with a gate-made response; the exchange ends with it.
// `close` when the request's bytes were not all read.
void Exchange::answer(int status, bool close, std::string_view location, std::string_view body) {
  LocalAnswer local;
  local.status = status;
  local.close = close;
  local.location = location;
  local.body = body;
  answer(local);
}

void Exchange::answer(const LocalAnswer& local) {
  LocalAnswer sent = local;
  sent.headOnly = request_.isHead;
  end();
  log_.bytesSent = client_.sendLocal(sent);
  log_.status = local.status;
  writeLog();
}

void Exchange::end() {
  ended_ = true;
  reframe_.reset();
  backend_.reset();
  forwardResponse_ = 0;
}

// Every request ends here, whatever answered it: the request counters too.
void Exchange::writeLog() {
  if (logged_) {
    return;  // a tunnel is logged when it opens, not again when it breaks
  }
  logged_ = true;
  log_.backendPort = backendPort_;
  log_.write(worker_, *runtime_, clientText());
}

void Exchange::finish() {
  writeLog();
  finishBackend();
  ended_ = true;
}

void Exchange::finishBackend() {
  if (!backend_) {
    return;
  }
  const bool clean = backendReusable_ && requestDone_ && forwardRequest_ == 0 && !backend_->eof() &&
                     !backend_->requestPending() && backend_->in().empty();
  if (clean && !client_.draining()) {
    backend_->setOwner(nullptr);
    worker_.backends().give(std::move(backend_));
  }
  backend_.reset();
}

void Exchange::onBackendEvent(short) {
  client_.exchangeEvent();
}

}  // namespace httpgate::gate
