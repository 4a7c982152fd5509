// A connection on a listener with proxy_protocol: true until its PROXY
// header has been read. The header comes before anything else (before the
// TLS ClientHello), from a load balancer in listen[].proxy_from, within
// timeouts.handshake. Once it is read, the address it names (or, for LOCAL
// and UNKNOWN, the balancer's own) becomes the connection's client address
// and the connection is handed to the TLS handshake or to HTTP/1.1, which
// the worker puts in its place. A malformed, truncated or late header
// closes the connection and is counted (httpgate_proxy_header_failures_total).
//
// Not a byte after the header is read: those belong to TLS or HTTP. The
// socket is peeked, and only the bytes the parser says are the header's are
// taken from it; while the header is incomplete every byte peeked is the
// header's, so they are taken too (else the level-triggered read event
// would fire again at once for bytes still waiting).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>

#include "gate/proxy/client_connection.h"
#include "gate/proxy/client_side.h"
#include "gate/proxy/runtime.h"
#include "gate/telemetry/metrics.h"

namespace httpgate::gate {

class Worker;

class ProxyHeaderReader final : public ClientSide {
 public:
  // Takes ownership of the accepted socket `fd` from `peer`, which the
  // caller has checked is in the listener's proxy_from.
  ProxyHeaderReader(Worker& worker, std::shared_ptr<const Runtime> runtime, size_t listener, int fd,
                    const sockaddr_storage& peer, ConnectionSlot slot);

  void start() override;
  void drain() override;

 private:
  static void onSocketEvent(void* self, short what);
  static void onTimer(void* self);
  void read();
  void fail(ProxyHeaderFailure reason, const char* why);
  int64_t deadline() const;
  void afterEvent();
  // The protocol the connection goes on with, given its client address.
  ClientSide* next(const sockaddr_storage& client);

  Worker& worker_;
  std::shared_ptr<const Runtime> runtime_;
  std::unique_ptr<ClientConnection> conn_;
  std::string header_;  // the header's bytes taken so far
  int64_t acceptedAt_ = 0;
  DrainState drain_;
  bool done_ = false;
  bool dead_ = false;
  sockaddr_storage client_{};
};

}  // namespace httpgate::gate
