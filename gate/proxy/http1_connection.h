// The HTTP/1.1 protocol on a client connection: keep-alive, pipelining in
// order, Connection: close, 100-continue, the upgrade to a tunnel, the
// graceful close with its linger, and the drain of a shutdown. It parses
// each request head and hands the request to a fresh Exchange, one at a
// time: pipelined requests wait in the input buffer until the previous
// response has been written, so answers come in order and output stays
// bounded.
//
// The connection is a small pump: each event marks a socket readable or
// writable, then run() moves bytes as far as they can go
//   client socket -> input buffer -> (request head rewritten) -> backend socket
//   backend socket -> backend input -> (response head rewritten) -> client socket
// with bodies forwarded verbatim straight from the input buffer of one side
// to the socket of the other. A full input buffer stops reading that side
// (backpressure both ways).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/http/message.h"
#include "gate/proxy/client_connection.h"
#include "gate/proxy/client_side.h"
#include "gate/proxy/exchange.h"
#include "gate/proxy/exchange_client.h"
#include "gate/proxy/runtime.h"

namespace httpgate::gate {

class Worker;

class Http1Connection final : public ClientSide, public ExchangeClient {
 public:
  // A plain connection: takes ownership of the accepted socket `fd` and
  // its `slot` (Worker::admit); `listener` indexes the runtime's listeners.
  Http1Connection(Worker& worker, std::shared_ptr<const Runtime> runtime, size_t listener, int fd,
                  const sockaddr_storage& peer, ConnectionSlot slot);
  // A TLS connection whose handshake is done (tls_handshake.h), with the
  // drain that may have begun during it.
  Http1Connection(Worker& worker, std::shared_ptr<const Runtime> runtime,
                  std::unique_ptr<ClientConnection> connection, DrainState drain);
  ~Http1Connection();
  Http1Connection(const Http1Connection&) = delete;
  Http1Connection& operator=(const Http1Connection&) = delete;

  // Starts the wait for the first request. May destroy the connection
  // (through the worker) before returning.
  void start() override;
  // Graceful shutdown: a busy connection closes after its current response,
  // an idle keep-alive one after its next (or, silent, just before
  // timeouts.shutdown), a new one after its first. May destroy the
  // connection.
  void drain() override;

  // ExchangeClient (http1_requests.cpp).
  const char* address() const override { return conn_->address(); }
  const sockaddr_storage& clientAddress() const override { return conn_->clientAddress(); }
  bool isTls() const override { return conn_->isTls(); }
  bool isHttp2() const override { return false; }
  std::string_view cipher() const override { return conn_->cipher(); }
  bool draining() const override { return draining_; }
  Buffer& requestBytes() override { return conn_->in(); }
  bool requestEnded() const override { return conn_->eof(); }
  void releaseRequestHead() override;
  void sendContinue() override;
  void sendInterim(const http::ResponseHead& head) override;
  void sendResponseHead(const http::ResponseHead& head, bool keepAlive) override;
  void sendSwitchingProtocols(const http::ResponseHead& head) override;
  void openRawTunnel() override;
  size_t sendLocal(const LocalAnswer& answer) override;
  void abort() override { closeNow(); }
  int64_t lastActivity() const override { return conn_->lastActivity(); }
  void noteActivity() override { conn_->noteActivity(); }
  void exchangeEvent() override;

 private:
  enum class Phase : uint8_t {
    WaitingRequest,  // between requests (or reading a request head)
    Exchange,        // a request is being forwarded and/or its response relayed
    Tunnel,          // after 101 Switching Protocols or a raw path's head: bytes both ways
    Closing,         // flushing the last response, then closing
    Lingering,       // write side closed; discarding input briefly before close
  };

  static void onSocketEvent(void* self, short what);
  static void onTimer(void* self);
  // Ends every entry point: a connection that died is destroyed.
  void afterEvent();

  // The pump (http1_connection.cpp).
  void run();
  bool readClient();
  bool processClientInput();
  bool flushToClient();
  bool finishExchangeIfDone();
  void updateInterest();
  bool wantClientInput() const;
  void beginClose();
  void closeNow();

  // Deadlines (http1_deadlines.cpp).
  int64_t deadline() const;
  int64_t normalDeadline() const;
  void onDeadline();

  // Requests (http1_requests.cpp).
  bool parseNextRequest();
  void beginRequest(size_t headBytes);
  void answerError(int status);
  std::string_view hsts() const;

  const Config& config() const { return *runtime_->config; }

  Worker& worker_;
  std::shared_ptr<const Runtime> runtime_;
  size_t listener_;
  std::unique_ptr<ClientConnection> conn_;
  Phase phase_ = Phase::WaitingRequest;
  bool dead_ = false;
  bool draining_ = false;
  bool servedRequest_ = false;  // a request has begun on this connection

  // The request being read and the exchange that carries it.
  http::RequestHead request_;  // kept between requests for its vectors' capacity
  http::Version version_ = http::Version::Http11;  // of the last request begun
  size_t headScanned_ = 0;  // bytes of the input known not to end a request head
  size_t headBytes_ = 0;    // the current head's bytes, still at the input's front
  std::unique_ptr<Exchange> exchange_;

  // Timing (milliseconds on CLOCK_MONOTONIC_COARSE).
  int64_t headStartedAt_ = -1;  // first byte of the current request head, -1 = none yet
  int64_t lingerStartedAt_ = 0;
  int64_t drainStartedAt_ = 0;
};

}  // namespace httpgate::gate
