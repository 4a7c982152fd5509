// When the backend fails an exchange: a retry on a fresh connection where
// that is safe, an app start where the app has a start command, else a
// gate-made 502, 504 or 410 (a PicoLisp session that has ended) for this
// request only; once part of a response is out, only closing is honest.
#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "gate/apps/app_starts.h"
#include "gate/config/legacy_config.h"
#include "gate/proxy/exchange.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

bool Exchange::canRetryOnFreshConnection() const {
  // A pooled connection the backend closed just before our request arrived
  // looks like a failure before any response byte. Sending the request again
  // on a new connection is safe when no body was consumed yet.
  // The request head is still in the connection's output then (see
  // flushToBackend), ready to go again.
  if (!backend_ || responseBytesSeen_ || !backend_->keepsRequest() || request_.upgrade ||
      request_.hasBody) {
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
  return !freshRetryDone_ && request_.idempotent;
}

// Counts `failure` when the backend connection could not be opened at all
// (refused, a connect error, the connect timeout) and the request fails for
// it: a pooled connection retried and a refusal that starts an app are not
// counted, nor is a backend that fails after it accepted.
void Exchange::countConnectFailure(BackendFailure failure) {
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
    case BackendFailure::TlsFailed:
      reason = ConnectFailure::Tls;
      break;
    case BackendFailure::Died:
    case BackendFailure::BadResponse:
      return;
  }
  worker_.metrics().connectFailures[static_cast<size_t>(reason)].add();
}

void Exchange::backendFailed(BackendFailure failure) {
  if ((failure == BackendFailure::Died || failure == BackendFailure::Refused) &&
      canRetryOnFreshConnection()) {
    spdlog::debug("backend port {}: connection closed before an answer; retrying", backendPort_);
    freshRetryDone_ = freshRetryDone_ || !backend_->reused;
    connectBackend(backend_->takeRequest());
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
  std::string live;
  std::string_view body;
  switch (failure) {
    case BackendFailure::HostDown:  // host_health.h: answered as a refused port, untried
    case BackendFailure::Refused:
      body = refusedPage(failure, status, live);
      break;
    case BackendFailure::Timeout:
      status = 504;
      if (connecting) {
        spdlog::warn("{}: backend {}:{} did not accept the connection within {} ms", clientText(),
                     backendHost_, backendPort_, config().timeouts.connect.count());
      } else {
        spdlog::warn("{}: backend {}:{} sent no response in time", clientText(), backendHost_,
                     backendPort_);
      }
      break;
    case BackendFailure::ConnectFailed:
    case BackendFailure::TlsFailed:
    case BackendFailure::Died:
    case BackendFailure::BadResponse:
      break;
  }
  failExchange(status, body);
}

// The TLS handshake with the backend's host failed: a connect failure (502)
// whose reason — an expired certificate, a name that does not match, a host
// speaking plain HTTP — goes to the log.
void Exchange::tlsFailed() {
  spdlog::warn("{}: TLS to backend {}:{} failed: {}", client_.address(), backendHost_, backendPort_,
               backend_->tlsFailure());
  backendFailed(BackendFailure::TlsFailed);
}

// The answer to a refused (or untried) connection: 410 with the void page
// for a PicoLisp session that has ended, else 502 with the gate's page.
// `live` holds the page when the legacy mode reads it afresh.
std::string_view Exchange::refusedPage(BackendFailure failure, int& status,
                                       std::string& live) const {
  std::string_view body;
  if (sessionMarker_ && config().voidPagePerRequest) {
    // The legacy mode reads ./void for every 410, as httpGate: an error
    // path, where an operator's edit showing at once matters more.
    std::optional<std::string> page;
    if (std::string error = readVoidPage(config().voidPageFile, page); !error.empty()) {
      spdlog::warn("void page: {}", error);
    }
    if (page) {
      status = 410;
      live = std::move(*page);
      body = live;
    }
  } else if (sessionMarker_ && !config().voidPageFile.empty()) {
    status = 410;  // a PicoLisp session that has ended
    body = config().voidPage;
  }
  if (failure == BackendFailure::HostDown) {
    spdlog::debug("{}: backend host {} is down: port {} not tried", clientText(), backendHost_,
                  backendPort_);
  } else {
    spdlog::info("{}: backend port {} refused the connection", clientText(), backendPort_);
  }
  return body;
}

// Answers the request with a gate-made error instead of the backend's
// response.
void Exchange::failExchange(int status, std::string_view body) {
  // The rest of an unread request body cannot be skipped reliably: close.
  const bool close = !requestDone_ || closeAfterResponse_;
  // Body bytes decoded but not yet sent are dropped with the exchange, so
  // that they are never read as the next request.
  client_.requestBytes().consume(forwardRequest_);
  forwardRequest_ = 0;
  answer(status, close, {}, body);
}

// Nothing listens on the port of an app that has a start command: have it
// started (by the start helper, see app_starts.h) and keep the request —
// its head, and any body bytes still in the input buffer — until it runs.
// The client's events stay armed meanwhile; other connections are not
// held up.
void Exchange::waitForApp() {
  appStartTried_ = true;
  appWait_ = std::make_unique<AppWait>();
  appWait_->head = backend_->takeRequest();
  backend_.reset();
  // The helper gives up after `start.wait`; this bound only matters if its
  // answer never comes.
  constexpr int64_t kGraceMs = 5000;
  appWait_->deadline = now() + startableApp_->start->wait.count() + kGraceMs;
  appWait_->id = worker_.addAppWaiter(this);
  spdlog::info("{}: app {} does not answer on port {}; starting it", clientText(),
               startableApp_->name, backendPort_);
  Worker* worker = &worker_;
  const uint64_t id = appWait_->id;
  worker_.appStarts()->request(startableApp_->name, worker_,
                               [worker, id](bool ok, const std::string& message) {
                                 worker->appStartFinished(id, ok, message);
                               });
}

void Exchange::appStartFinished(bool ok, const std::string& message) {
  const std::unique_ptr<AppWait> wait = std::move(appWait_);
  if (ok) {
    connectBackend(std::move(wait->head));
  } else {
    spdlog::warn("{}: 503 for app {}: {}", clientText(), startableApp_->name, message);
    failExchange(503);
  }
  client_.exchangeEvent();  // may destroy this exchange: the last act
}

// Part of a response may have reached the client already: the only honest
// signal left is closing the connection.
void Exchange::abortExchange() {
  writeLog();
  abandon();
}

// Ends the exchange and the client side at once, without a response.
void Exchange::abandon() {
  end();
  client_.abort();
}

}  // namespace httpgate::gate
