// The request side of an HTTP/2 stream (its fields made an HTTP/1.1 head,
// its DATA into the exchange's buffer), the pump step, and the stream's
// life: deadlines, resets, closing. The response side is in
// http2_stream_response.cpp.
#include "gate/proxy/http2_stream.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "common/http/head_parser.h"
#include "common/time/clock.h"
#include "gate/proxy/exchange.h"
#include "gate/proxy/http2_connection.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// Chunk framing around a piece of payload: "<hex>\r\n" ... "\r\n".
constexpr size_t kChunkOverhead = 16 + 2 + 2;
// "Sec-WebSocket-Key" for the backend of an RFC 8441 WebSocket: 16 random
// bytes, base64.
std::string webSocketKey() {
  unsigned char bytes[16] = {};
  // The key only has to differ from one handshake to the next (RFC 6455
  // 4.1); OpenSSL's generator does not fail once seeded at start-up.
  RAND_bytes(bytes, sizeof(bytes));
  unsigned char text[25];
  EVP_EncodeBlock(text, bytes, sizeof(bytes));
  return std::string(reinterpret_cast<const char*>(text), 24);
}

}  // namespace

Http2Stream::Http2Stream(Http2Connection& connection, int32_t id)
    : connection_(connection), id_(id), lastActivity_(clock::coarseMs()) {
  responseFraming_.keepTrailers(&responseTrailers_);
  connection_.worker().metrics().http2StreamsOpen.add(1);
}

Http2Stream::~Http2Stream() {
  exchange_.reset();  // before the buffers it reads
  requestBytes_.release();
  connection_.releaseResponse(payloadHeld());
  connection_.worker().metrics().http2StreamsOpen.add(-1);
}

void Http2Stream::addField(std::string_view name, std::string_view value) {
  // RFC 9113 6.5.2 counts 32 bytes of overhead per field.
  const size_t limit = connection_.runtime()->config->limits.maxRequestHeader;
  if (headTooLarge_ ||
      fieldBytes_.size() + 32 * (fieldSpans_.size() + 1) + name.size() + value.size() > limit) {
    headTooLarge_ = true;
    return;
  }
  fieldBytes_.append(name);
  fieldBytes_.append(value);
  fieldSpans_.emplace_back(name.size(), value.size());
}

void Http2Stream::headersDone(bool endStream) {
  requestEnded_ = endStream;
  if (headTooLarge_) {
    answerHere(431);
    return;
  }
  std::vector<http::H2Field> fields;
  fields.reserve(fieldSpans_.size());
  size_t at = 0;
  const std::string_view bytes = fieldBytes_;
  for (const auto& [nameLength, valueLength] : fieldSpans_) {
    fields.push_back({bytes.substr(at, nameLength), bytes.substr(at + nameLength, valueLength)});
    at += nameLength + valueLength;
  }
  // The key costs a call into OpenSSL's generator: made only for an
  // extended CONNECT (pseudo-fields come first, RFC 9113 8.3).
  bool extendedConnect = false;
  for (const http::H2Field& f : fields) {
    if (f.name.empty() || f.name[0] != ':') {
      break;
    }
    extendedConnect |= f.name == ":protocol";
  }
  const http::H2Request translated =
      http::translateH2Request(fields, endStream, extendedConnect ? webSocketKey() : "", head_);
  if (translated.status == http::H2RequestStatus::Malformed) {
    spdlog::debug("{}: HTTP/2 stream {}: malformed request: {}", address(), id_,
                  translated.problem);
    reset(NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  if (translated.status == http::H2RequestStatus::UnsupportedProtocol) {
    answerHere(501);
    return;
  }
  chunked_ = translated.chunked;
  websocket_ = translated.websocket;
  const Runtime& runtime = *connection_.runtime();
  const http::ParseResult parsed = http::parseRequestHead(head_, request_, runtime.headLimits);
  if (parsed.status != http::ParseStatus::Done) {
    answerHere(parsed.status == http::ParseStatus::Error ? parsed.errorStatus : 431);
    return;
  }
  exchange_ = std::make_unique<Exchange>(*this, connection_.worker(), connection_.runtime(),
                                         connection_.listener());
  exchange_->begin(request_);
  endExchangeIfDone();
}

// A request the gate answers without an exchange (501 for a protocol it
// does not tunnel, the parser's 4xx): answered on its stream alone.
void Http2Stream::answerHere(int status) {
  LocalAnswer answer;
  answer.status = status;
  sendLocal(answer);
}

bool Http2Stream::receiveData(const uint8_t* data, size_t length) {
  if (!exchange_ && responseSubmitted_) {
    // Answered already (a gate-made answer): the rest of the body is
    // dropped and its window given back.
    nghttp2_session_consume(connection_.session(), id_, length);
    return true;
  }
  if (pendingBody_.size() + length > static_cast<size_t>(Http2Connection::kStreamWindow)) {
    return false;  // more than the window this stream was given
  }
  pendingBody_.append(reinterpret_cast<const char*>(data), length);
  noteActivity();
  return true;
}

void Http2Stream::requestStreamEnded() {
  requestEnded_ = true;
}

bool Http2Stream::pump() {
  if (closed_ || reset_) {
    return false;
  }
  bool progress = moveRequestBody();
  if (exchange_) {
    progress |= exchange_->tunnel() ? exchange_->takeTunnelBytes() : exchange_->takeRequestBody();
  }
  if (exchange_) {
    progress |= exchange_->exchangeWithBackend();
  }
  if (exchange_) {
    progress |= takeResponseBody();
  }
  endExchangeIfDone();
  if (exchange_) {
    exchange_->armBackend();
  }
  return progress;
}

// DATA payload into the buffer the exchange reads, chunk-framed when the
// request had no content-length; the window given back for what the
// exchange has already sent on.
bool Http2Stream::moveRequestBody() {
  bool progress = false;
  if (unacknowledged_ > 0 && requestBytes_.empty()) {
    nghttp2_session_consume(connection_.session(), id_, unacknowledged_);
    unacknowledged_ = 0;
    progress = true;
  }
  if (pendingBody_.empty() && !(chunked_ && requestEnded_ && !lastChunkWritten_)) {
    return progress;
  }
  if (websocket_ && !(exchange_ && exchange_->tunnel())) {
    // A WebSocket's bytes are the tunnel's, not a body of its upgrade
    // request: they wait (within the window) until the backend's 101.
    return progress;
  }
  if (!requestBytes_.acquire(connection_.worker().clientBuffers())) {
    return progress;
  }
  const size_t room = requestBytes_.writable();
  if (!pendingBody_.empty() && room > (chunked_ ? kChunkOverhead : 0)) {
    const size_t take = std::min(pendingBody_.size(), room - (chunked_ ? kChunkOverhead : 0));
    char* at = requestBytes_.writePtr();
    size_t written = 0;
    if (chunked_) {
      written += static_cast<size_t>(std::snprintf(at, 18, "%zx\r\n", take));
    }
    std::memcpy(at + written, pendingBody_.data(), take);
    written += take;
    if (chunked_) {
      std::memcpy(at + written, "\r\n", 2);
      written += 2;
    }
    requestBytes_.commit(written);
    pendingBody_.erase(0, take);
    unacknowledged_ += take;
    progress = true;
  }
  if (chunked_ && requestEnded_ && pendingBody_.empty() && !lastChunkWritten_ &&
      requestBytes_.writable() >= 5) {
    std::memcpy(requestBytes_.writePtr(), "0\r\n\r\n", 5);
    requestBytes_.commit(5);
    lastChunkWritten_ = true;
    progress = true;
  }
  return progress;
}

// The exchange is over once the gate answered, or once the response has
// all been read and decoded: its backend connection goes back to the pool
// while nghttp2 still sends the last DATA.
void Http2Stream::endExchangeIfDone() {
  if (!exchange_) {
    return;
  }
  if (exchange_->ended()) {
    exchange_.reset();
    return;
  }
  if (responseBodyDone_ && exchange_->responseReady() == 0) {
    exchange_->finish();
    exchange_.reset();
  }
}

void Http2Stream::closed() {
  closed_ = true;
  exchange_.reset();
}

void Http2Stream::reset(uint32_t errorCode) {
  if (reset_ || closed_) {
    return;
  }
  reset_ = true;
  nghttp2_submit_rst_stream(connection_.session(), NGHTTP2_FLAG_NONE, id_, errorCode);
}

int64_t Http2Stream::deadline() const {
  if (exchange_) {
    return exchange_->deadline();
  }
  // Waiting for the client: its request, or its window for our response.
  const Timeouts& t = connection_.runtime()->config->timeouts;
  return lastActivity_ + (responseSubmitted_ ? t.response.count() : t.requestHeader.count());
}

void Http2Stream::onDeadline() {
  if (exchange_) {
    exchange_->onDeadline();
    endExchangeIfDone();
    return;
  }
  reset(NGHTTP2_CANCEL);
}

void Http2Stream::releaseIdleBuffers() {
  if (requestBytes_.allocated() && requestBytes_.empty()) {
    requestBytes_.release();
  }
  if (exchange_) {
    exchange_->releaseIdleBuffers();
  }
}

const char* Http2Stream::address() const {
  return connection_.client().address();
}

const sockaddr_storage& Http2Stream::clientAddress() const {
  return connection_.client().clientAddress();
}

std::string_view Http2Stream::cipher() const {
  return connection_.client().cipher();
}

bool Http2Stream::draining() const {
  return connection_.draining();
}

void Http2Stream::releaseRequestHead() {
  // The head's views are dead: so is its text.
  std::string().swap(fieldBytes_);
  fieldSpans_.clear();
}

// The exchange ends with its stream; it is destroyed once the caller (the
// exchange itself, maybe) has returned: in closed().
void Http2Stream::abort() {
  reset(NGHTTP2_INTERNAL_ERROR);
}

void Http2Stream::noteActivity() {
  lastActivity_ = clock::coarseMs();
  connection_.client().noteActivity();
}

void Http2Stream::exchangeEvent() {
  connection_.streamEvent();
}

}  // namespace httpgate::gate
