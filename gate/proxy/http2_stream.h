// One HTTP/2 stream: a request and its response on an Http2Connection,
// carried by its own Exchange exactly as an HTTP/1.1 request is. The stream
// is the exchange's client side (exchange_client.h):
//   request:  HEADERS -> an HTTP/1.1 head (common/http/h2_request.h) that the
//             gate's own parser reads; DATA -> requestBytes(), re-framed as
//             chunks when the client gave no content-length. The stream's
//             flow-control window reopens only as the exchange forwards
//             those bytes to the backend, so a slow backend holds back this
//             client stream alone.
//   response: the head -> HEADERS (h2ResponseFields); the body bytes the
//             exchange forwards -> decoded from their HTTP/1.1 framing ->
//             DATA, pulled by nghttp2 as the connection's output has room,
//             so a slow client holds back this backend alone. A chunked
//             response's trailer fields follow as a trailing HEADERS.
//   RFC 8441: an extended CONNECT for a WebSocket reaches the backend as an
//             HTTP/1.1 upgrade; its 101 becomes a 200 and from then on the
//             stream's DATA carry the tunnel's bytes both ways, unframed,
//             under the same windows.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/body_decoder.h"
#include "common/http/h2_request.h"
#include "common/http/message.h"
#include "gate/net/buffer.h"
#include "gate/proxy/exchange_client.h"

namespace httpgate::gate {

class Exchange;
class Http2Connection;

class Http2Stream final : public ExchangeClient {
 public:
  Http2Stream(Http2Connection& connection, int32_t id);
  ~Http2Stream();
  Http2Stream(const Http2Stream&) = delete;
  Http2Stream& operator=(const Http2Stream&) = delete;

  int32_t id() const { return id_; }

  // The request, from the session's callbacks. Fields past
  // limits.max_request_header are not kept, and the request is answered 431.
  void addField(std::string_view name, std::string_view value);
  void headersDone(bool endStream);
  // DATA payload; false when it is more than the window allowed.
  bool receiveData(const uint8_t* data, size_t length);
  void requestStreamEnded();

  // One round of the connection's pump for this stream: request bytes into
  // the exchange, the exchange's own steps, response bytes out of it.
  // Returns whether anything moved.
  bool pump();
  // The DATA source of the response (nghttp2_data_source_read_callback).
  ssize_t readResponse(uint8_t* buffer, size_t length, uint32_t* flags);
  // nghttp2 closed the stream (both sides ended, or a reset): the exchange,
  // if any is left, is abandoned.
  void closed();

  int64_t deadline() const;
  void onDeadline();
  void releaseIdleBuffers();

  // ExchangeClient.
  const char* address() const override;
  const sockaddr_storage& clientAddress() const override;
  bool isTls() const override { return true; }
  bool isHttp2() const override { return true; }
  std::string_view cipher() const override;
  bool draining() const override;
  Buffer& requestBytes() override { return requestBytes_; }
  bool requestEnded() const override { return requestEnded_ && pendingBody_.empty(); }
  void releaseRequestHead() override;
  void sendContinue() override;
  void sendInterim(const http::ResponseHead& head) override;
  void sendResponseHead(const http::ResponseHead& head, bool keepAlive) override;
  void sendSwitchingProtocols(const http::ResponseHead& head) override;
  void openRawTunnel() override;
  size_t sendLocal(const LocalAnswer& answer) override;
  void abort() override;
  int64_t lastActivity() const override { return lastActivity_; }
  void noteActivity() override;
  void exchangeEvent() override;

 private:
  void reset(uint32_t errorCode);
  void answerHere(int status);
  bool moveRequestBody();
  bool takeResponseBody();
  void compactPayload();
  size_t payloadHeld() const { return responsePayload_.size() - payloadSent_; }
  bool submitTrailers();
  void submitHead(const http::ResponseHead& head, bool withBody);
  void resumeResponse();
  void endExchangeIfDone();

  Http2Connection& connection_;
  int32_t id_;

  // The request head as it arrives: names and values one after the other
  // in fieldBytes_, views into it taken once the fields are complete.
  std::string fieldBytes_;
  std::vector<std::pair<size_t, size_t>> fieldSpans_;  // name, value lengths
  std::string head_;                                   // the HTTP/1.1 head made of the fields
  bool headTooLarge_ = false;                          // the fields outgrew the limit
  http::RequestHead request_;

  std::unique_ptr<Exchange> exchange_;

  // Request body: DATA payload waiting for room in requestBytes_, which the
  // exchange reads (chunk-framed when chunked_).
  std::string pendingBody_;
  Buffer requestBytes_;
  size_t unacknowledged_ = 0;  // payload moved into requestBytes_, window not yet given back
  bool chunked_ = false;
  bool websocket_ = false;     // an RFC 8441 extended CONNECT
  bool requestEnded_ = false;  // END_STREAM received
  bool lastChunkWritten_ = false;

  // Response body: the exchange's forwarded bytes, decoded from their
  // HTTP/1.1 framing, waiting for nghttp2 to take them as DATA.
  http::BodyDecoder responseFraming_;
  std::string responsePayload_;
  size_t payloadSent_ = 0;  // bytes at its front nghttp2 has taken already
  // A chunked response's trailer lines (BodyDecoder::keepTrailers).
  std::string responseTrailers_;
  bool responseSubmitted_ = false;
  bool responseBodyDone_ = false;  // the payload has all been decoded
  bool deferred_ = false;          // nghttp2 waits for resumeResponse()
  bool closed_ = false;
  bool reset_ = false;
  int64_t lastActivity_ = 0;
};

}  // namespace httpgate::gate
