// The client side of an exchange: what carries one request's bytes in and
// its response's bytes out. An HTTP/1.1 connection is one (one exchange at
// a time, http1_connection.h); an HTTP/2 stream is the next. The exchange
// decides what to send; the client side decides how it looks on the wire
// (an HTTP/1.1 head with Connection fields, or HEADERS and DATA frames).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/http/message.h"
#include "gate/net/buffer.h"

namespace httpgate::gate {

// A response the gate makes itself (an error, a redirect, the void page).
struct LocalAnswer {
  int status = 500;
  bool close = false;  // the request's bytes were not all read: end the client side after it
  std::string_view location;
  std::string_view body;
  bool headOnly = false;    // the request was HEAD
  uint32_t retryAfter = 0;  // seconds, for a 429 (0: no Retry-After)
};

class ExchangeClient {
 public:
  // Who the client is, for the forwarded fields and the logs.
  virtual const char* address() const = 0;
  virtual const sockaddr_storage& clientAddress() const = 0;
  virtual bool isTls() const = 0;
  // The request came on an HTTP/2 stream (for the access log).
  virtual bool isHttp2() const = 0;
  virtual std::string_view cipher() const = 0;
  // The gate is shutting down: no new request on this client after this one.
  virtual bool draining() const = 0;

  // The request's bytes after its head as they arrive; the exchange
  // consumes them from the front.
  virtual Buffer& requestBytes() = 0;
  // The client will send nothing more.
  virtual bool requestEnded() const = 0;
  // The parsed request head's views are no longer used: its bytes may go.
  virtual void releaseRequestHead() = 0;

  // A 100 Continue made by the gate, for a body the backend will only see
  // whole.
  virtual void sendContinue() = 0;
  // A 1xx from the backend other than 101.
  virtual void sendInterim(const http::ResponseHead& head) = 0;
  // The final response head; `keepAlive` false ends the client side after
  // the response.
  virtual void sendResponseHead(const http::ResponseHead& head, bool keepAlive) = 0;
  // A 101 to a forwarded upgrade: bytes both ways from here on.
  virtual void sendSwitchingProtocols(const http::ResponseHead& head) = 0;
  // A raw path's backend accepted (raw_tunnel.h): bytes both ways, unparsed.
  virtual void openRawTunnel() = 0;
  // A gate-made response; returns the bytes it takes on the wire.
  virtual size_t sendLocal(const LocalAnswer& answer) = 0;
  // The exchange cannot end cleanly (a response half sent, a client gone):
  // the client side ends at once.
  virtual void abort() = 0;

  // The time of the last byte moved on the client's behalf, either side:
  // what timeouts.response and timeouts.tunnel count from.
  virtual int64_t lastActivity() const = 0;
  virtual void noteActivity() = 0;
  // Something happened outside the client's own events (a backend event,
  // an app start's answer): run the pump. May destroy the exchange and the
  // client, so it is the caller's last act.
  virtual void exchangeEvent() = 0;

 protected:
  ~ExchangeClient() = default;
};

}  // namespace httpgate::gate
