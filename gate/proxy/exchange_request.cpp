// The request body of an exchange: decoded as it arrives (only to find its
// end and check it; the bytes go on as they came), held to
// limits.max_request_body, and to timeouts.request_body and
// limits.min_request_rate while the client owes it.
#include <spdlog/spdlog.h>

#include "gate/proxy/exchange.h"

namespace httpgate::gate {

bool Exchange::takeRequestBody() {
  if (requestDone_ || ended_) {
    return false;
  }
  if (reframe_) {
    return collectReframedBody();
  }
  Buffer& in = client_.requestBytes();
  const std::string_view pending = in.view().substr(forwardRequest_);
  if (pending.empty()) {
    if (client_.requestEnded()) {
      // The client went away in the middle of its request body.
      abortExchange();
      return true;
    }
    return false;
  }
  const http::BodyDecoder::Step step = requestBody_.feed(pending);
  if (step.error) {
    spdlog::info("{}: bad request body: {}", clientText(), step.reason);
    if (responseHeadDone_) {
      abortExchange();
    } else {
      backend_.reset();
      forwardRequest_ = 0;
      answer(400, true);
    }
    return true;
  }
  if (requestBodyLimit_ != 0 && requestBody_.payloadBytes() > requestBodyLimit_) {
    requestBodyTooLarge();
    return true;
  }
  forwardRequest_ += step.consumed;
  countBodyBytes(step.consumed);
  if (step.done) {
    requestDone_ = true;
  }
  return step.consumed > 0 || step.done;
}

bool Exchange::takeTunnelBytes() {
  const size_t available = client_.requestBytes().size();
  if (forwardRequest_ == available) {
    return false;
  }
  forwardRequest_ = available;
  return true;
}

void Exchange::countBodyBytes(size_t bytes) {
  if (bytes > 0) {
    lastBodyByte_ = now();
    bodyWindowBytes_ += bytes;
  }
}

// True while the exchange waits for the client's request body: it is being
// collected for re-framing, or the gate would read more of it now (its
// input buffer has room and nothing read is still on its way to the backend).
bool Exchange::awaitingRequestBody() const {
  if (requestDone_ || client_.requestEnded()) {
    return false;
  }
  if (reframe_) {
    return true;
  }
  const Buffer& in = client_.requestBytes();
  return forwardRequest_ == 0 && (!in.allocated() || !in.full());
}

// A body must keep coming: no byte for timeouts.request_body, or fewer than
// limits.min_request_rate bytes/s over a window of that length, is 408.
int64_t Exchange::requestBodyDeadline() const {
  const int64_t window = config().timeouts.requestBody.count();
  return std::min(lastBodyByte_, bodyWindowStart_) + window;
}

void Exchange::restartBodyWindow() {
  bodyWindowStart_ = lastBodyByte_ = now();
  bodyWindowBytes_ = 0;
}

// At the end of a body window: true when the client was too slow (408),
// else the next window begins.
bool Exchange::requestBodyTooSlow() {
  const int64_t window = config().timeouts.requestBody.count();
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

// A request body past limits.max_request_body (or its app's): 413 while no
// response has begun, with the backend connection closed so that it never
// takes what it got of the body for a complete request; once a response is
// on its way, the connection ends.
void Exchange::requestBodyTooLarge() {
  spdlog::info("{}: request body for backend port {} is over the limit of {} bytes", clientText(),
               backendPort_, requestBodyLimit_);
  if (responseHeadDone_) {
    abortExchange();
    return;
  }
  backend_.reset();
  failExchange(413);
}

}  // namespace httpgate::gate
