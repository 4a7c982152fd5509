// A TLS client connection until its handshake is done: steps the
// handshake as the socket allows, counts it (or its failure, by reason),
// gives up after timeouts.handshake (sooner while draining), and then
// hands the connection to the protocol on top, which the worker puts in
// its place.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>

#include "gate/proxy/client_connection.h"
#include "gate/proxy/client_side.h"
#include "gate/proxy/runtime.h"
#include "gate/telemetry/metrics.h"

namespace httpgate::gate {

class Worker;

class TlsHandshake final : public ClientSide {
 public:
  // Takes ownership of the accepted socket `fd`, from the runtime's TLS
  // listener `listener`, and of its `slot` (Worker::admit), which moves on
  // with the connection to the protocol on top.
  TlsHandshake(Worker& worker, std::shared_ptr<const Runtime> runtime, size_t listener, int fd,
               const sockaddr_storage& peer, ConnectionSlot slot);
  // The connection `connection`, whose PROXY header has been read, from
  // the runtime's TLS listener it was accepted on.
  TlsHandshake(Worker& worker, std::shared_ptr<const Runtime> runtime,
               std::unique_ptr<ClientConnection> connection, DrainState drain);

  void start() override;
  void drain() override;

 private:
  static void onSocketEvent(void* self, short what);
  static void onTimer(void* self);
  void step();
  void fail(HandshakeFailure reason);
  int64_t deadline() const;
  // Ends every entry point: hands the connection over once the handshake
  // is done, destroys this one once it failed, else waits for the socket.
  void afterEvent();

  Worker& worker_;
  std::shared_ptr<const Runtime> runtime_;
  std::unique_ptr<ClientConnection> conn_;
  int64_t acceptedAt_ = 0;
  DrainState drain_;
  bool done_ = false;
  bool dead_ = false;
};

}  // namespace httpgate::gate
