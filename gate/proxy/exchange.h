// One request and its response, from the parsed request head to the last
// response byte: the route, the backend connection it holds, the request
// body's decoder and its rate, PicoLisp's re-framing, the wait for an app
// start, the retry rule, the failures turned into 502/504/410, and the
// access-log record. Made for each request and destroyed when it ends, so
// nothing of one request is left for the next.
//
// The exchange moves bytes between its backend connection and its client
// side (exchange_client.h), which owns the client's bytes: request body
// bytes are forwarded straight from the client side's input buffer to the
// backend socket, response body bytes straight from the backend's input
// buffer to the client side (responseSource()/responseReady()), so that
// memory stays bounded by the two buffers whatever the body sizes.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/http/body_decoder.h"
#include "common/http/message.h"
#include "gate/config/router.h"
#include "gate/proxy/backend_connection.h"
#include "gate/proxy/exchange_client.h"
#include "gate/proxy/request_log.h"
#include "gate/proxy/runtime.h"

namespace httpgate::gate {

class Worker;

class Exchange final : public BackendOwner {
 public:
  Exchange(ExchangeClient& client, Worker& worker, std::shared_ptr<const Runtime> runtime,
           size_t listener);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  // Exchanges come and go with every request: their memory is recycled by
  // the thread that made them (exchange_memory.cpp).
  static void* operator new(size_t size);
  static void operator delete(void* block, size_t size);

  // Routes `request` (exchange.cpp): answers it here (an error, a
  // redirect) or starts it towards its backend. The head's views are used
  // only until the client side is told to release them.
  void begin(http::RequestHead& request);

  // The pump's steps, each returning whether it moved anything.
  // Decodes request body bytes from the client side (exchange_request.cpp).
  bool takeRequestBody();
  // Connects, writes to and reads from the backend, and makes sense of
  // what it sent (exchange_backend.cpp, exchange_response.cpp).
  bool exchangeWithBackend();
  // Arms the backend's events for what the exchange waits for.
  void armBackend();
  void releaseIdleBuffers();

  // Response body bytes ready for the client: the first responseReady()
  // bytes of responseSource() (null without a backend).
  Buffer* responseSource() { return backend_ ? &backend_->in() : nullptr; }
  size_t& responseReady() { return forwardResponse_; }
  // `bytes` of this exchange's response reached the client.
  void countSent(size_t bytes) { log_.bytesSent += bytes; }
  // Tunnels (after a 101, or a raw path): the client's bytes all go on.
  bool takeTunnelBytes();

  // Answered by the gate, or given up: nothing left but flushing.
  bool ended() const { return ended_; }
  bool tunnel() const { return tunnel_; }
  bool requestComplete() const { return requestDone_; }
  bool responseComplete() const { return responseDone_; }
  // The client side ends after this response.
  bool closeAfterResponse() const { return closeAfterResponse_; }
  // The response is all out: counts and logs it, and gives the backend
  // connection back to the pool when it is clean.
  void finish();
  // Whether a tunnel's backend side has ended and all its bytes are out,
  // and whether its client side has.
  bool tunnelBackendDone() const;
  bool tunnelClientDone() const;

  // The next deadline of the exchange and what to do when it passes
  // (exchange_deadlines.cpp).
  int64_t deadline() const;
  void onDeadline();

  void onBackendEvent(short what) override;

  // The request's client: the connection's (a PROXY header's, else the
  // peer's), or, when that is a trusted proxy (headers.trusted_proxies),
  // the one its X-Forwarded-For names. As text for the logs and fields.
  const sockaddr_storage& clientAddress() const {
    return forwardedClient_ ? forwardedClient_->address : client_.clientAddress();
  }
  const char* clientText() const {
    return forwardedClient_ ? forwardedClient_->text : client_.address();
  }
  // The answer to waitForApp(), on this exchange's worker thread.
  void appStartFinished(bool ok, const std::string& message);

 private:
  // HostDown: not tried, the host is marked down (host_health.h);
  // TlsFailed: the TLS handshake with the host failed.
  enum class BackendFailure : uint8_t {
    Refused,
    ConnectFailed,
    Timeout,
    Died,
    BadResponse,
    HostDown,
    TlsFailed
  };
  // A chunked request body being collected whole for a PicoLisp route
  // (exchange_reframe.cpp).
  struct Reframe {
    std::string head;  // the backend request head, still without Content-Length
    std::string body;  // the decoded payload so far
  };
  // While an app starts: the request head to send once it listens.
  struct AppWait {
    std::string head;
    uint64_t id = 0;  // the worker's waiter number
    int64_t deadline = 0;
  };

  // Routing and starting (exchange.cpp).
  void redirectToHttps(const http::RequestHead& request);
  void start(http::RequestHead& request, const Route& route);
  void connectBackend(std::string head);
  void answer(int status, bool close, std::string_view location = {}, std::string_view body = {});
  void answer(const LocalAnswer& local);
  void end();
  void writeLog();
  void finishBackend();

  // The request body (exchange_request.cpp).
  bool awaitingRequestBody() const;
  int64_t requestBodyDeadline() const;
  void restartBodyWindow();
  bool requestBodyTooSlow();
  void countBodyBytes(size_t bytes);
  void requestBodyTooLarge();

  // Re-framing for PicoLisp (exchange_reframe.cpp).
  bool wantsReframe(const http::RequestHead& request) const;
  void beginReframe(std::string head);
  bool collectReframedBody();
  void sendReframed();

  // Backend I/O (exchange_backend.cpp).
  bool flushToBackend();
  bool readBackend();
  bool wantBackendInput() const;
  void backendWriteFailed();

  // Responses (exchange_response.cpp).
  bool processBackendInput();
  bool parseResponseHead();
  bool switchProtocols(size_t headBytes);
  bool decodeResponseBody();
  bool enterRawTunnel();

  // Failures (exchange_failure.cpp).
  void backendFailed(BackendFailure failure);
  void tlsFailed();
  void countConnectFailure(BackendFailure failure);
  std::string_view refusedPage(BackendFailure failure, int& status, std::string& live) const;
  void failExchange(int status, std::string_view body = {});
  void waitForApp();
  bool canRetryOnFreshConnection() const;
  void abortExchange();
  void abandon();

  const Config& config() const { return *runtime_->config; }
  int64_t now() const;

  ExchangeClient& client_;
  Worker& worker_;
  std::shared_ptr<const Runtime> runtime_;
  size_t listener_;

  // What the request is, from its head.
  struct RequestFacts {
    bool keepAlive = true;    // it allows the connection to stay open (and no drain)
    bool isHead = false;      // HEAD: the response has no body
    bool hasBody = false;     // body bytes follow the head (or raw bytes: rawTunnel)
    bool upgrade = false;     // it offers a protocol the gate forwards (upgradeOffer_)
    bool idempotent = false;  // GET, HEAD, OPTIONS, TRACE, PUT or DELETE
    bool rawTunnel = false;   // routes.raw_paths: bytes both ways once connected
  } request_;
  std::string upgradeOffer_;       // the Upgrade value forwarded (see upgrade_offer.h)
  uint64_t requestBodyLimit_ = 0;  // payload bytes; 0 = no limit
  http::BodyDecoder requestBody_;
  http::ResponseHead response_;
  http::BodyDecoder responseBody_;

  // The backend.
  std::unique_ptr<BackendConnection> backend_;
  SocketAddress backendAddress_;
  std::string_view backendHost_;  // its name as configured (the snapshot outlives the exchange)
  uint16_t backendPort_ = 0;
  // The host's TLS context (owned by runtime_), null for plain TCP, and the
  // pool key, which says which of the two.
  const BackendTlsContext* backendTls_ = nullptr;
  BackendKey backendKey_;
  std::shared_ptr<HostHealth> backendHealth_;  // null for hosts not health-checked
  bool sessionMarker_ = false;                 // a PicoLisp session's path: 410 when refused
  // The app of the request when it has a start command, else null.
  const AppConfig* startableApp_ = nullptr;
  std::unique_ptr<Reframe> reframe_;  // null unless a chunked body is being collected
  std::unique_ptr<AppWait> appWait_;  // null unless an app is starting

  // Bytes on their way: front bytes of the client side's input still to
  // go to the backend, of the backend's input still to go to the client.
  size_t forwardRequest_ = 0;
  size_t forwardResponse_ = 0;

  // Where the exchange is.
  bool requestDone_ = false;        // the whole request has been read
  bool responseHeadDone_ = false;   // the final response head is on its way to the client
  bool responseDone_ = false;       // the whole response has been read
  bool responseBytesSeen_ = false;  // the backend sent something
  bool backendReusable_ = false;    // the response leaves the connection clean for the pool
  bool closeAfterResponse_ = false;
  bool appStartTried_ = false;
  bool freshRetryDone_ = false;  // see canRetryOnFreshConnection
  bool tunnel_ = false;          // bytes both ways (101 or a raw path)
  bool ended_ = false;
  bool logged_ = false;

  // Timing (milliseconds on CLOCK_MONOTONIC_COARSE).
  int64_t connectStartedAt_ = 0;
  // The request body's progress, for timeouts.request_body and
  // limits.min_request_rate: bytes of it read since the current window began.
  int64_t bodyWindowStart_ = 0;
  int64_t lastBodyByte_ = 0;
  uint64_t bodyWindowBytes_ = 0;

  RequestLog log_;

  // Set only for a request from a trusted proxy that named its client.
  struct ForwardedClient {
    sockaddr_storage address;
    char text[INET6_ADDRSTRLEN];
  };
  std::unique_ptr<ForwardedClient> forwardedClient_;
  // The backend of `route`: its address, TLS settings, pool key, health.
  void chooseBackend(const Route& route);
  // Reads X-Forwarded-For of a request from a trusted proxy.
  bool answerAcmeChallenge(const http::RequestHead& request, bool closeAfter);
  void findForwardedClient(const http::RequestHead& request);
};

}  // namespace httpgate::gate
