// One client connection and, while a request is in flight, the one backend
// connection serving it. Every request of a keep-alive connection is parsed
// and routed on its own; pipelined requests wait in the input buffer until
// the previous response has been written, so answers come in order.
//
// The session is a small pump: each event marks a socket readable or
// writable, then run() moves bytes as far as they can go
//   client socket -> clientIn_ -> (request head rewritten) -> backend socket
//   backend socket -> backend in -> (response head rewritten) -> client socket
// with bodies forwarded verbatim straight from the input buffer of one side
// to the socket of the other. A full input buffer stops reading that side
// (backpressure both ways), so memory per connection is bounded by two
// buffers whatever the body sizes.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

#include "common/http/body_decoder.h"
#include "common/http/message.h"
#include "gate/config/router.h"
#include "gate/net/buffer.h"
#include "gate/net/transport.h"
#include "gate/proxy/backend_connection.h"
#include "gate/proxy/runtime.h"
#include "gate/telemetry/metrics.h"

namespace httpgate::gate {

class Worker;

class ClientSession final : public BackendOwner {
 public:
  // Takes ownership of the accepted socket `fd`; `listener` indexes the
  // runtime's listeners.
  ClientSession(Worker& worker, std::shared_ptr<const Runtime> runtime, size_t listener, int fd,
                const sockaddr_storage& peer);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Starts the TLS handshake or the wait for the first request. May destroy
  // the session (through the worker) before returning.
  void start();
  // Graceful shutdown: a busy connection closes after its current response,
  // an idle keep-alive one after its next (or, silent, just before
  // timeouts.shutdown), a new one after its first. May destroy the session.
  void drain();

  void onBackendEvent(short what) override;

  // The answer to waitForApp(), on this session's worker thread. May
  // destroy the session (through the worker) before returning.
  void appStartFinished(bool ok, const std::string& message);

  // The worker's intrusive list of sessions.
  ClientSession* prev = nullptr;
  ClientSession* next = nullptr;

 private:
  enum class Phase : uint8_t {
    Handshake,       // TLS handshake in progress
    WaitingRequest,  // between requests (or reading a request head)
    Exchange,        // a request is being forwarded and/or its response relayed
    Tunnel,          // after 101 Switching Protocols or a raw path's head: bytes both ways
    Closing,         // flushing the last response, then closing
    Lingering,       // write side closed; discarding input briefly before close
  };
  // HostDown: not tried, the host is marked down (host_health.h).
  enum class BackendFailure : uint8_t {
    Refused,
    ConnectFailed,
    Timeout,
    Died,
    BadResponse,
    HostDown
  };

  static void onClientEvent(evutil_socket_t fd, short what, void* arg);
  static void onTimer(evutil_socket_t fd, short what, void* arg);

  // The pump (client_session.cpp).
  void run();
  bool stepHandshake();
  bool readClient();
  bool flushToClient();
  bool readBackend();
  bool flushToBackend();
  bool finishExchangeIfDone();
  void updateInterest();
  bool wantClientInput() const;
  bool wantBackendInput() const;
  int64_t deadline() const;
  int64_t normalDeadline() const;
  int64_t exchangeDeadline() const;
  bool awaitingRequestBody() const;
  int64_t requestBodyDeadline() const;
  void restartBodyWindow();
  bool requestBodyTooSlow();
  void armTimer();
  void onDeadline();
  void beginClose();
  void closeNow();
  void releaseIdleBuffers();
  int64_t now() const;

  // Requests (session_request.cpp).
  bool processClientInput();
  bool parseNextRequest();
  void beginRequest(size_t headBytes);
  void startExchange(const Route& route, size_t headBytes);
  void connectBackend(std::string head);
  void respondLocal(int status, bool close, std::string_view location = {},
                    std::string_view body = {});
  void redirectToHttps(size_t headBytes);
  void requestBodyTooLarge();
  std::string_view hsts() const;
  void resetLogFields();
  void captureLogFields();
  void writeAccessLog();

  // Chunked bodies re-framed for PicoLisp (session_reframe.cpp).
  bool wantsReframe() const;
  void beginReframe(std::string head);
  bool collectReframedBody();
  void sendReframed();

  // Raw pass-through after a request head (session_raw_tunnel.cpp).
  bool enterRawTunnel();

  // Responses (session_response.cpp).
  bool processBackendInput();
  bool parseResponseHead();
  bool decodeResponseBody();
  void backendFailed(BackendFailure failure);
  void countConnectFailure(BackendFailure failure);
  void failExchange(int status, std::string_view body = {});
  void waitForApp();
  bool canRetryOnFreshConnection() const;
  void abortExchange();
  void finishBackend();

  const Config& config() const { return *runtime_->config; }

  Worker& worker_;
  std::shared_ptr<const Runtime> runtime_;
  size_t listener_;
  Phase phase_ = Phase::Handshake;
  bool dead_ = false;
  bool draining_ = false;
  bool servedRequest_ = false;  // a request has begun on this connection

  // Client side.
  Transport client_;
  event clientRead_{};
  event clientWrite_{};
  event timer_{};
  bool clientReadArmed_ = false;
  bool clientWriteArmed_ = false;
  bool clientReadable_ = true;
  bool clientWritable_ = true;
  bool clientReadWantsWrite_ = false;
  bool clientWriteWantsRead_ = false;
  bool clientEof_ = false;
  Buffer clientIn_;
  std::string clientOut_;  // bytes the gate produced for the client
  size_t clientOutSent_ = 0;
  size_t headScanned_ = 0;      // bytes of clientIn_ known not to end a request head
  size_t forwardRequest_ = 0;   // front bytes of clientIn_ still to send to the backend
  size_t forwardResponse_ = 0;  // front bytes of the backend's input still to send to the client
  char clientAddress_[INET6_ADDRSTRLEN] = {};

  // Timing (milliseconds on CLOCK_MONOTONIC_COARSE).
  int64_t acceptedAt_ = 0;
  int64_t lastActivity_ = 0;
  int64_t headStartedAt_ = -1;  // first byte of the current request head, -1 = none yet
  int64_t connectStartedAt_ = 0;
  int64_t lingerStartedAt_ = 0;
  int64_t drainStartedAt_ = 0;
  // The request body's progress, for timeouts.request_body and
  // limits.min_request_rate: bytes of it read since the current window began.
  int64_t bodyWindowStart_ = 0;
  int64_t lastBodyByte_ = 0;
  uint64_t bodyWindowBytes_ = 0;
  bool timerArmed_ = false;
  int64_t timerDeadline_ = 0;

  // The current exchange.
  http::RequestHead request_;
  http::ResponseHead response_;
  http::BodyDecoder requestBody_;
  http::BodyDecoder responseBody_;
  std::unique_ptr<BackendConnection> backend_;
  // A chunked request body being collected whole for a PicoLisp route (see
  // session_reframe.cpp); null otherwise, so that other requests pay nothing.
  struct Reframe {
    std::string head;  // the backend request head, still without Content-Length
    std::string body;  // the decoded payload so far
  };
  std::unique_ptr<Reframe> reframe_;
  SocketAddress backendAddress_;
  std::string_view backendHost_;  // its name as configured (the snapshot outlives the exchange)
  uint16_t backendPort_ = 0;
  std::shared_ptr<HostHealth> backendHealth_;  // null for hosts not health-checked
  http::Version clientVersion_ = http::Version::Http11;
  bool requestKeepAlive_ = true;
  bool requestIsHead_ = false;
  bool requestUpgrade_ = false;
  std::string upgradeOffer_;       // the Upgrade value forwarded (see upgrade_offer.h)
  uint64_t requestBodyLimit_ = 0;  // payload bytes; 0 = no limit
  bool requestHasBody_ = false;
  bool requestDone_ = false;
  bool responseHeadDone_ = false;
  bool responseDone_ = false;
  bool responseBytesSeen_ = false;
  bool backendReusable_ = false;
  bool sessionMarker_ = false;
  bool closeAfterResponse_ = false;
  bool appStartTried_ = false;
  bool requestIdempotent_ = false;  // GET, HEAD, OPTIONS, TRACE, PUT or DELETE
  bool freshRetryDone_ = false;     // see canRetryOnFreshConnection
  bool rawTunnel_ = false;          // routes.raw_paths: bytes both ways once connected
  // The app of the current request when it has a start command, else null.
  const AppConfig* startableApp_ = nullptr;
  // While an app starts: the request head to send once it listens.
  struct AppWait {
    std::string head;
    uint64_t id = 0;  // the worker's waiter number
    int64_t deadline = 0;
  };
  std::unique_ptr<AppWait> appWait_;

  // Access log fields of the current request (copied: the head's views die
  // with the input buffer).
  std::string logMethod_;
  std::string logTarget_;
  std::string logReferer_;
  std::string logUserAgent_;
  int logStatus_ = 0;
  RouteKind routeKind_ = RouteKind::Local;  // for the request counters
  uint64_t bytesSent_ = 0;
  timespec requestStartWall_{};
  timespec requestStartMono_{};
};

}  // namespace httpgate::gate
