// A client connection as its worker keeps it: in the worker's intrusive
// list, started once and told to drain. A TLS connection begins as a
// TlsHandshake (tls_handshake.h), which hands its socket to the protocol
// ALPN chose; a plain one is an Http1Connection from the start.
#pragma once

#include <cstdint>

namespace httpgate::gate {

// A drain that began before a connection's protocol took over: the
// protocol keeps its clock.
struct DrainState {
  bool draining = false;
  int64_t startedAt = 0;  // coarse monotonic ms
};

// While draining, how long a connection that has not carried a request yet
// may take to deliver its first one (Http1Connection::drain), counted from
// the start of the drain: its handshake included.
constexpr int64_t kDrainFirstRequestMs = 3000;

class ClientSide {
 public:
  virtual ~ClientSide() = default;
  // The first step (a handshake, the wait for a request). May destroy the
  // client side, through the worker, before returning.
  virtual void start() = 0;
  // Graceful shutdown (see Http1Connection::drain). May destroy it too.
  virtual void drain() = 0;
  // A reload published a new configuration: what no longer holds for this
  // connection is wound down (an HTTP/2 connection on a listener that
  // turned http2 off drains). May destroy it too.
  virtual void configurationChanged() {}

  // The worker's intrusive list.
  ClientSide* prev = nullptr;
  ClientSide* next = nullptr;
};

}  // namespace httpgate::gate
