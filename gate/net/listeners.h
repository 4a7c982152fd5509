// Binding the configured listen addresses: one socket per listener and
// worker, all with SO_REUSEPORT, so that each worker accepts on its own
// socket and the kernel spreads new connections over the workers. A port 0
// in the configuration is bound once and the chosen port reused for the
// other workers' sockets. After an upgrade (SIGUSR2) the sockets come from
// the previous process instead, and under socket activation from systemd,
// matched to the listeners by address.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "gate/config/config.h"

namespace httpgate::gate {

struct BoundListener {
  uint16_t port = 0;
  // Distinct sockets, non-blocking, close-on-exec: one per worker when
  // bound here; as many as the previous process had when inherited.
  std::vector<int> fds;
};

// A listening socket and the configured listener it belongs to.
struct ListenSocket {
  int fd = -1;
  size_t listener = 0;
};

// Binds every listener of `config`, or adopts `inherited` sockets (from an
// upgrade, or from systemd's socket activation) for the listeners whose
// address they are bound to, and binds the others; an inherited socket that
// matches no listener is closed with a warning that starts with `origin`.
// Takes ownership of `inherited` in every case. On error nothing stays open.
Result<std::vector<BoundListener>> bindListeners(const Config& config, unsigned workers,
                                                 const std::vector<int>& inherited = {},
                                                 const std::string& origin = "upgrade");

// Hands every socket of `listeners` to one of `workers` workers: each socket
// must be accepted on (in a SO_REUSEPORT group the kernel gives each socket
// its share of the connections), so a worker may get several; a worker left
// without a socket of a listener gets a duplicate of one, so that all
// workers take part. The result's sockets are owned by the workers.
std::vector<std::vector<ListenSocket>> assignToWorkers(const std::vector<BoundListener>& listeners,
                                                       unsigned workers);

// "127.0.0.1:8443" or "[::1]:8443" for logs.
std::string describeAddress(const SocketAddress& address, uint16_t port);

}  // namespace httpgate::gate
