// One plain-HTTP connection from the gate to a backend port. While a request
// uses it, it belongs to that request's ClientSession (its owner), which gets
// its events; while idle it belongs to the worker's BackendPool, which only
// watches it for the backend closing it.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "gate/config/config.h"
#include "gate/net/buffer.h"
#include "gate/net/transport.h"
#include "gate/proxy/host_health.h"

namespace httpgate::gate {

class BackendPool;

// Identifies a backend endpoint for pooling: address family, address, port.
struct BackendKey {
  uint8_t family = 0;
  uint16_t port = 0;
  uint8_t address[16] = {};

  static BackendKey from(const SocketAddress& host, uint16_t port);
  bool operator==(const BackendKey& other) const;
};

struct BackendKeyHash {
  size_t operator()(const BackendKey& key) const;
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
  enum class ConnectResult { InProgress, Connected, Refused, Failed };

  BackendConnection(event_base* base, const BackendKey& key);
  ~BackendConnection();
  BackendConnection(const BackendConnection&) = delete;
  BackendConnection& operator=(const BackendConnection&) = delete;

  // Starts a non-blocking connect to `address` with `port`; errno is set when
  // the result is Refused or Failed. A result other than InProgress ends
  // `attempt` with what it shows about the host.
  ConnectResult connect(const SocketAddress& address, uint16_t port);
  // After the socket became writable during a connect: Connected, Refused or
  // Failed (errno set); ends `attempt` likewise.
  ConnectResult finishConnect();
  // The connect did not end within timeouts.connect: ends `attempt` as a
  // sign that the host is unreachable.
  void connectTimedOut() { attempt.finish(HostVerdict::Unreachable); }
  bool connecting() const { return connecting_; }

  void setOwner(BackendOwner* owner) { owner_ = owner; }
  BackendOwner* owner() const { return owner_; }
  void setPool(BackendPool* pool) { pool_ = pool; }

  // Arms or disarms the read and write events (level-triggered).
  void watch(bool read, bool write);

  Transport& transport() { return transport_; }
  Buffer& in() { return in_; }
  const BackendKey& key() const { return key_; }

  // Bytes the gate produced for the backend (a request head), sent before
  // any forwarded body bytes.
  std::string out;
  size_t outSent = 0;

  // The health of the host a new connection is for (host_health.h): begun
  // by the owner before connect(), ended by the connect's outcome; empty
  // for hosts not health-checked and once connected.
  HostAttempt attempt;

  bool reused = false;    // taken from the pool rather than newly connected
  bool readable = false;  // the socket may have bytes (cleared on WantRead)
  bool writable = false;  // the socket may take bytes (set by connect and the write event)
  bool eof = false;       // the backend closed its side
  timespec idleSince{};   // when it went back to the pool

 private:
  static void onEvent(evutil_socket_t fd, short what, void* arg);
  // Ends `attempt` with what connect error `error` shows; sets errno to it.
  ConnectResult connectFailed(int error);

  BackendKey key_;
  Transport transport_;
  Buffer in_;
  event readEvent_{};
  event writeEvent_{};
  bool readArmed_ = false;
  bool writeArmed_ = false;
  bool connecting_ = false;
  BackendOwner* owner_ = nullptr;
  BackendPool* pool_ = nullptr;
};

}  // namespace httpgate::gate
