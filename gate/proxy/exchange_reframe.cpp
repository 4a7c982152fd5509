// Chunked request bodies for PicoLisp applications. http.l reads a body by
// its Content-Length only (a chunked one is lost, a chunked multipart upload
// is read with its chunk framing inside the file), so on a route with
// headers.picolisp a chunked body is decoded into memory, up to
// limits.max_reframed_body, and only then sent on as one request with a
// Content-Length. Everything else streams through the exchange as it comes,
// without a copy.
//
// While the body is being collected the exchange has no backend connection:
// the client's reads drive collectReframedBody(), timeouts.request_body
// watches the client (onDeadline answers 408), and the client's input buffer is
// emptied as it is decoded, so a slow or stalled client holds its own
// memory and nothing else.
#include <spdlog/spdlog.h>

#include "common/http/header_rules.h"
#include "gate/proxy/exchange.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

bool Exchange::wantsReframe(const http::RequestHead& request) const {
  return config().headers.picolisp && request.body == http::BodyKind::Chunked;
}

// Takes the backend head made with ForwardOptions::reframe.
void Exchange::beginReframe(std::string head) {
  reframe_ = std::make_unique<Reframe>();
  reframe_->head = std::move(head);
  collectReframedBody();  // body bytes that came with the head
}

// Decodes what the client sent of its body; returns whether anything
// happened. Ends the request with 400 (bad chunking) or 413 (over the limit),
// or sends it on once the last chunk and the trailers are in.
bool Exchange::collectReframedBody() {
  Buffer& in = client_.requestBytes();
  const std::string_view pending = in.view();
  if (pending.empty()) {
    if (client_.requestEnded()) {
      reframe_.reset();
      abortExchange();  // the client went away in the middle of its body
      return true;
    }
    return false;
  }
  const http::BodyDecoder::Step step = requestBody_.decode(pending, reframe_->body);
  if (step.error) {
    spdlog::info("{}: bad request body: {}", clientText(), step.reason);
    answer(400, true);
    return true;
  }
  in.consume(step.consumed);  // trailers go with the framing
  countBodyBytes(step.consumed);
  uint64_t limit = config().limits.maxReframedBody;
  if (requestBodyLimit_ != 0 && requestBodyLimit_ < limit) {
    limit = requestBodyLimit_;
  }
  if (reframe_->body.size() > limit) {
    spdlog::info("{}: chunked body for backend port {} is over its limit ({} bytes)", clientText(),
                 backendPort_, limit);
    answer(413, true);
    return true;
  }
  if (step.done) {
    sendReframed();
  }
  return step.consumed > 0 || step.done;
}

// The body is complete: the head gets its Content-Length, and head and body
// go to the backend together.
void Exchange::sendReframed() {
  std::unique_ptr<Reframe> reframe = std::move(reframe_);
  http::appendContentLength(reframe->head, reframe->body.size());
  std::string request = std::move(reframe->head);
  request.append(reframe->body);
  reframe.reset();
  requestDone_ = true;
  std::unique_ptr<BackendConnection> pooled = markedDown(backendHealth_)  // host_health.h
                                                  ? nullptr
                                                  : worker_.backends().take(backendKey_);
  if (pooled) {
    backend_ = std::move(pooled);
    backend_->setOwner(this);
    backend_->send(std::move(request));
    return;
  }
  connectBackend(std::move(request));
}

}  // namespace httpgate::gate
