// The response side of an HTTP/2 stream: the head as HEADERS, the body the
// exchange forwards decoded from its HTTP/1.1 framing into DATA, interim
// responses, and the answers the gate makes itself.
#include <cstring>

#include "common/http/head_parser.h"
#include "common/http/header_rules.h"
#include "common/http/responses.h"
#include "gate/proxy/exchange.h"
#include "gate/proxy/http2_connection.h"
#include "gate/proxy/http2_stream.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// A response body is decoded ahead of nghttp2 up to this much.
constexpr size_t kPayloadHighWater = 64 * 1024;

ssize_t readResponseBody(nghttp2_session*, int32_t, uint8_t* buffer, size_t length, uint32_t* flags,
                         nghttp2_data_source* source, void*) {
  return static_cast<Http2Stream*>(source->ptr)->readResponse(buffer, length, flags);
}

// A response head as the name-value pairs of a HEADERS frame (nghttp2
// copies them on submit): :status, then h2ResponseFields.
struct HeadFrame {
  HeadFrame(const http::ResponseHead& head, std::string_view hsts)
      : status(std::to_string(head.status)) {
    http::h2ResponseFields(head, hsts, fields, names);
    nva.reserve(fields.size() + 1);
    add(":status", status);
    for (const http::H2Field& f : fields) {
      add(f.name, f.value);
    }
  }
  HeadFrame(const HeadFrame&) = delete;
  HeadFrame& operator=(const HeadFrame&) = delete;

  void add(std::string_view name, std::string_view value) {
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                   value.size(), NGHTTP2_NV_FLAG_NONE});
  }

  std::string status;
  std::string names;
  std::vector<http::H2Field> fields;
  std::vector<nghttp2_nv> nva;
};

}  // namespace

// The body bytes the exchange forwards, decoded from their HTTP/1.1
// framing into the payload nghttp2 sends as DATA.
bool Http2Stream::takeResponseBody() {
  if (!responseSubmitted_ || responseBodyDone_) {
    return false;
  }
  Buffer* source = exchange_->responseSource();
  size_t& ready = exchange_->responseReady();
  bool progress = false;
  if (source != nullptr && ready > 0 && responsePayload_.size() < kPayloadHighWater) {
    const http::BodyDecoder::Step step =
        responseFraming_.decode(std::string_view(source->data(), ready), responsePayload_);
    if (step.error) {
      abort();
      return true;
    }
    source->consume(ready);
    exchange_->countSent(ready);
    ready = 0;
    progress = true;
  }
  if (exchange_->responseComplete() && ready == 0) {
    responseBodyDone_ = true;
    progress = true;
  }
  if (progress) {
    resumeResponse();
  }
  return progress;
}

ssize_t Http2Stream::readResponse(uint8_t* buffer, size_t length, uint32_t* flags) {
  const size_t n = std::min(length, responsePayload_.size());
  std::memcpy(buffer, responsePayload_.data(), n);
  responsePayload_.erase(0, n);
  if (responsePayload_.empty() && responseBodyDone_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  noteActivity();
  return static_cast<ssize_t>(n);
}

void Http2Stream::resumeResponse() {
  if (deferred_) {
    deferred_ = false;
    nghttp2_session_resume_data(connection_.session(), id_);
  }
}

void Http2Stream::sendContinue() {
  http::ResponseHead head;
  head.status = 100;
  sendInterim(head);
}

void Http2Stream::sendInterim(const http::ResponseHead& head) {
  const HeadFrame frame(head, {});
  nghttp2_submit_headers(connection_.session(), NGHTTP2_FLAG_NONE, id_, nullptr, frame.nva.data(),
                         frame.nva.size(), nullptr);
}

void Http2Stream::submitHead(const http::ResponseHead& head, bool withBody) {
  const HeadFrame frame(head, connection_.runtime()->config->headers.hsts);
  nghttp2_data_provider provider;
  provider.source.ptr = this;
  provider.read_callback = readResponseBody;
  nghttp2_submit_response(connection_.session(), id_, frame.nva.data(), frame.nva.size(),
                          withBody ? &provider : nullptr);
  responseSubmitted_ = true;
  responseBodyDone_ = !withBody;
}

void Http2Stream::sendResponseHead(const http::ResponseHead& head, bool) {
  const bool withBody = head.body != http::BodyKind::None;
  responseFraming_.reset(head.body, head.contentLength);
  submitHead(head, withBody);
  noteActivity();
}

// Not reached yet: an RFC 8441 WebSocket's 101 becomes a 200 on its stream
// once the tunnel is carried (the next step of HTTP/2).
void Http2Stream::sendSwitchingProtocols(const http::ResponseHead&) {
  abort();
}

// Raw paths (PicoLisp's replication) are HTTP/1.x only.
void Http2Stream::openRawTunnel() {
  abort();
}

size_t Http2Stream::sendLocal(const LocalAnswer& answer) {
  http::LocalResponse local;
  local.status = answer.status;
  local.location = answer.location;
  local.body = answer.body;
  local.headOnly = answer.headOnly;
  local.hsts = connection_.runtime()->config->headers.hsts;
  std::string text;
  http::appendLocalResponse(text, local);
  http::ResponseHead head;
  const http::ParseResult parsed = http::parseResponseHead(text, head, answer.headOnly, {});
  if (parsed.status != http::ParseStatus::Done) {
    reset(NGHTTP2_INTERNAL_ERROR);
    return 0;
  }
  responsePayload_.assign(text, parsed.consumed, std::string::npos);
  const bool withBody = !responsePayload_.empty();
  submitHead(head, withBody);
  responseBodyDone_ = true;
  resumeResponse();
  return text.size();
}

}  // namespace httpgate::gate
