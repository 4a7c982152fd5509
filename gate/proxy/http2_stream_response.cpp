// The response side of an HTTP/2 stream: the head as HEADERS, the body the
// exchange forwards decoded from its HTTP/1.1 framing into DATA, interim
// responses, and the answers the gate makes itself.
#include <cstring>

#include "common/http/chars.h"
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

// A field as nghttp2 takes it (it copies the bytes on submit).
nghttp2_nv nv(std::string_view name, std::string_view value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
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

  void add(std::string_view name, std::string_view value) { nva.push_back(nv(name, value)); }

  std::string status;
  std::string names;
  std::vector<http::H2Field> fields;
  std::vector<nghttp2_nv> nva;
};

}  // namespace

// The bytes the exchange forwards from the backend, into the payload
// nghttp2 sends as DATA: decoded from their HTTP/1.1 framing, or as they
// are in a tunnel (which ends once the backend has closed and they are
// all out). Taken only while this stream and the connection have room.
bool Http2Stream::takeResponseBody() {
  if (!responseSubmitted_ || responseBodyDone_) {
    return false;
  }
  const bool tunnel = exchange_->tunnel();
  Buffer* source = exchange_->responseSource();
  size_t& ready = exchange_->responseReady();
  bool progress = false;
  if (source != nullptr && ready > 0 && payloadHeld() < kPayloadHighWater &&
      connection_.responseRoom()) {
    compactPayload();
    const size_t before = responsePayload_.size();
    const std::string_view bytes(source->data(), ready);
    bool bad = false;
    if (tunnel) {
      responsePayload_.append(bytes);
    } else {
      bad = responseFraming_.decode(bytes, responsePayload_).error;
    }
    connection_.holdResponse(responsePayload_.size() - before);
    if (bad) {
      abort();
      return true;
    }
    source->consume(ready);
    exchange_->countSent(ready);
    ready = 0;
    progress = true;
  }
  if (ready == 0 && (tunnel ? exchange_->tunnelBackendDone() : exchange_->responseComplete())) {
    responseBodyDone_ = true;
    progress = true;
  }
  if (progress) {
    resumeResponse();
  }
  return progress;
}

// What nghttp2 has taken stays in front of the payload until more is
// added: one move then, instead of one per DATA frame.
void Http2Stream::compactPayload() {
  if (payloadSent_ > 0) {
    responsePayload_.erase(0, payloadSent_);
    payloadSent_ = 0;
  }
}

ssize_t Http2Stream::readResponse(uint8_t* buffer, size_t length, uint32_t* flags) {
  const size_t n = std::min(length, payloadHeld());
  std::memcpy(buffer, responsePayload_.data() + payloadSent_, n);
  payloadSent_ += n;
  connection_.releaseResponse(n);
  if (payloadHeld() == 0) {
    responsePayload_.clear();
    payloadSent_ = 0;
  }
  if (payloadHeld() == 0 && responseBodyDone_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (submitTrailers()) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;  // the trailers end the stream
    }
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  noteActivity();
  return static_cast<ssize_t>(n);
}

// The trailer fields of a chunked response, as a HEADERS frame after the
// last DATA; false when there are none to send.
bool Http2Stream::submitTrailers() {
  if (responseTrailers_.empty()) {
    return false;
  }
  std::vector<http::H2Field> fields;
  std::string names;
  http::h2TrailerFields(responseTrailers_, fields, names);
  if (fields.empty()) {
    return false;
  }
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (const http::H2Field& f : fields) {
    nva.push_back(nv(f.name, f.value));
  }
  return nghttp2_submit_trailer(connection_.session(), id_, nva.data(), nva.size()) == 0;
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
  responseTrailers_.clear();
  submitHead(head, withBody);
  noteActivity();
}

// RFC 8441 5: the backend's 101 to the upgrade becomes a 200 that leaves
// the stream open; Sec-WebSocket-Accept answers the key the gate made up,
// not one the client sent, and is not passed on. Sec-WebSocket-Protocol
// and -Extensions are.
void Http2Stream::sendSwitchingProtocols(const http::ResponseHead& upgrade) {
  http::ResponseHead head = upgrade;
  head.status = 200;
  head.body = http::BodyKind::None;
  std::erase_if(head.headers, [](const http::HeaderField& f) {
    return http::iequals(f.name, "sec-websocket-accept");
  });
  submitHead(head, true);
  noteActivity();
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
  local.retryAfter = answer.retryAfter;
  std::string text;
  http::appendLocalResponse(text, local);
  http::ResponseHead head;
  const http::ParseResult parsed = http::parseResponseHead(text, head, answer.headOnly, {});
  if (parsed.status != http::ParseStatus::Done) {
    reset(NGHTTP2_INTERNAL_ERROR);
    return 0;
  }
  connection_.releaseResponse(payloadHeld());
  responsePayload_.assign(text, parsed.consumed, std::string::npos);
  payloadSent_ = 0;
  connection_.holdResponse(responsePayload_.size());
  const bool withBody = !responsePayload_.empty();
  submitHead(head, withBody);
  responseBodyDone_ = true;
  resumeResponse();
  return text.size();
}

}  // namespace httpgate::gate
