// One HTTP/1.1 connection from the gate to a backend port, plain TCP or,
// for a routes.hosts entry with tls, TLS (verified; its handshake is part
// of the connect, inside timeouts.connect). While a request
// uses it, it belongs to that request's Exchange (its owner), which gets
// its events; while idle it belongs to the worker's BackendPool, which only
// watches it for the backend closing it.
#pragma once

#include <event2/event.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "gate/config/config.h"
#include "gate/net/buffer.h"
#include "gate/net/output_queue.h"
#include "gate/net/socket_events.h"
#include "gate/net/transport.h"
#include "gate/proxy/host_health.h"
#include "gate/tls/backend_tls.h"

namespace httpgate::gate {

class BackendPool;

// Identifies a backend endpoint for pooling: address family, address, port,
// and whether (with which settings) it is spoken to over TLS.
struct BackendKey {
  uint8_t family = 0;
  uint16_t port = 0;
  uint8_t address[16] = {};
  uint32_t tls = 0;  // 0: plain TCP; else BackendTlsContext::id()

  static BackendKey from(const SocketAddress& host, uint16_t port, uint32_t tls);
  bool operator==(const BackendKey& other) const;
};

struct BackendKeyHash {
  size_t operator()(const BackendKey& key) const;
};

class BackendConnection;

// Every backend connection of one worker, for the status page's census
// (backend_census.h): an intrusive list, so that a connection joins and
// leaves it with a few stores and no allocation. Worker thread only.
class BackendConnectionList {
 public:
  BackendConnectionList() = default;
  BackendConnectionList(const BackendConnectionList&) = delete;
  BackendConnectionList& operator=(const BackendConnectionList&) = delete;

  const BackendConnection* first() const { return head_; }

 private:
  friend class BackendConnection;
  BackendConnection* head_ = nullptr;
};

// Callbacks of the owner of an active backend connection.
class BackendOwner {
 public:
  virtual void onBackendEvent(short what) = 0;

 protected:
  ~BackendOwner() = default;
};

class BackendConnection {
 public:
  // TlsFailed: the TCP connection stood but the TLS handshake failed
  // (tlsFailure() says why).
  enum class ConnectResult { InProgress, Connected, Refused, Failed, TlsFailed };
  // What a read brought: bytes, nothing for now, the end of the backend's
  // side (a close or an error), or no buffer to read into.
  enum class Received { Bytes, Blocked, Ended, NoMemory };

  // Joins `list` (may be null) until it is destroyed.
  BackendConnection(event_base* base, const BackendKey& key, BackendConnectionList* list);
  ~BackendConnection();
  BackendConnection(const BackendConnection&) = delete;
  BackendConnection& operator=(const BackendConnection&) = delete;

  // Starts a non-blocking connect to `address` with `port`, then a TLS
  // handshake with `tls` when not null (the SSL keeps what it needs of
  // the context); errno is set when the result is Refused or Failed. A
  // result other than InProgress ends `attempt` with what it shows about
  // the host (a failed handshake: unreachable, as a connect error).
  ConnectResult connect(const SocketAddress& address, uint16_t port, const BackendTlsContext* tls);
  // Whether the connect (or its handshake) may move on: the socket is ready
  // the way it waits for.
  bool connectReady() const {
    return handshakeWantsRead_ ? events_.ready().readable : events_.ready().writable;
  }
  // Steps the connect once connectReady(): Connected, InProgress (the
  // handshake goes on), Refused, Failed (errno set) or TlsFailed; ends
  // `attempt` likewise.
  ConnectResult finishConnect();
  // Why the handshake failed (after TlsFailed), for the log.
  const std::string& tlsFailure() const { return tlsFailure_; }
  // The connect did not end within timeouts.connect: ends `attempt` as a
  // sign that the host is unreachable.
  void connectTimedOut() { attempt.finish(HostVerdict::Unreachable, "connect timed out"); }
  bool connecting() const { return connecting_; }

  void setOwner(BackendOwner* owner) { owner_ = owner; }
  BackendOwner* owner() const { return owner_; }
  void setPool(BackendPool* pool) { pool_ = pool; }
  // Idle in a pool, rather than carrying an exchange (or being set up for one).
  bool pooled() const { return pool_ != nullptr; }
  // The next connection of its BackendConnectionList.
  const BackendConnection* nextInList() const { return next_; }

  // The request to send, gate-made bytes sent before any forwarded body:
  // newRequest() empties the queue and returns it to append a head to (a
  // pooled connection's string keeps its capacity), send() replaces it.
  std::string& newRequest();
  void send(std::string request) { out_.reset(std::move(request)); }
  // Whether gate-made bytes are still to be written.
  bool requestPending() const { return out_.pending(); }
  // The request head is kept after it was written (flush with keepHead)
  // until the response begins, so that it can go again on a fresh
  // connection: whether it is still here, and taking it.
  bool keepsRequest() const { return !out_.bytes().empty(); }
  std::string takeRequest() { return out_.take(); }
  // The response has begun: a request head kept for a retry can go.
  void dropSentRequest() {
    if (!out_.pending()) {
      out_.clear();
    }
  }

  // Writes the request and then the first `forward` bytes of `source`
  // (see OutputQueue::flush); a write that fails marks the backend's side
  // ended (eof()).
  OutputQueue::Flushed flush(Buffer& source, size_t& forward, bool keepHead);
  // Reads what the backend sent into in(), taking a buffer from `pool`.
  Received receive(BufferPool& pool);

  // Arms the events (level-triggered): reading while `wantInput`, writing
  // while connecting or while output is pending and the socket is full.
  void arm(bool wantInput, bool outputPending);
  // Idle in the pool: only a close (or stray bytes) from the backend.
  void watchIdle();
  // Whether a pooled connection whose socket became readable is still fit
  // for a request: only a TLS connection whose bytes were records other
  // than data (a TLS 1.3 session ticket, a key update) is; a plain one, or
  // data, a close_notify, a FIN or an error, is not.
  bool idleStillUsable();

  Transport& transport() { return transport_; }
  Buffer& in() { return in_; }
  const BackendKey& key() const { return key_; }
  bool readable() const { return events_.ready().readable; }
  bool writable() const { return events_.ready().writable; }
  // The backend closed its side (or the connection failed).
  bool eof() const { return eof_; }

  // The health of the host a new connection is for (host_health.h): begun
  // by the owner before connect(), ended by the connect's outcome; empty
  // for hosts not health-checked and once connected.
  HostAttempt attempt;

  bool reused = false;    // taken from the pool rather than newly connected
  int64_t idleSince = 0;  // coarse monotonic ms when it went back to the pool

 private:
  static void onEvent(void* self, short what);
  // Ends `attempt` with what connect error `error` shows; sets errno to it.
  ConnectResult connectFailed(int error);
  // One step of the TLS handshake once TCP is connected.
  ConnectResult stepHandshake();

  event_base* base_;
  BackendKey key_;
  Transport transport_;
  SocketEvents events_;
  Buffer in_;
  OutputQueue out_;
  bool eof_ = false;
  bool connecting_ = false;          // TCP connect or TLS handshake under way
  bool tcpConnected_ = false;        // while connecting_: the handshake is next
  bool handshakeWantsRead_ = false;  // the handshake waits for the socket readable
  BackendOwner* owner_ = nullptr;
  BackendPool* pool_ = nullptr;
  std::string tlsFailure_;
  BackendConnectionList* list_;
  BackendConnection* prev_ = nullptr;
  BackendConnection* next_ = nullptr;
};

}  // namespace httpgate::gate
