// An exchange's deadlines. While a request body is due from the client,
// timeouts.request_body and limits.min_request_rate; while the backend owes
// progress (connecting, taking the body, answering), timeouts.connect or
// timeouts.response; while an app starts, its start.wait.
#include <spdlog/spdlog.h>

#include "gate/proxy/exchange.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

int64_t Exchange::deadline() const {
  const Timeouts& t = config().timeouts;
  if (appWait_) {
    return appWait_->deadline;
  }
  if (awaitingRequestBody()) {
    return requestBodyDeadline();
  }
  if (backend_ && backend_->connecting()) {
    return connectStartedAt_ + t.connect.count();
  }
  return client_.lastActivity() + t.response.count();
}

void Exchange::onDeadline() {
  if (appWait_) {
    spdlog::warn("{}: app {} did not answer on port {} in time", clientText(), startableApp_->name,
                 backendPort_);
    worker_.removeAppWaiter(appWait_->id);
    appWait_.reset();
    failExchange(503);
  } else if (awaitingRequestBody()) {
    if (requestBodyTooSlow()) {
      spdlog::info("{}: request body stalled or slower than limits.min_request_rate", clientText());
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
    spdlog::warn("{}: backend port {} stalled mid-response; closing", clientText(), backendPort_);
    abortExchange();
  }
}

}  // namespace httpgate::gate
