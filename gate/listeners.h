// Binding the configured listen addresses: one socket per listener and
// worker, all with SO_REUSEPORT, so that each worker accepts on its own
// socket and the kernel spreads new connections over the workers. A port 0
// in the configuration is bound once and the chosen port reused for the
// other workers' sockets.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "gate/config.h"

namespace httpgate::gate {

struct BoundListener {
  uint16_t port = 0;
  std::vector<int> fds;  // one per worker, non-blocking, close-on-exec
};

std::variant<std::vector<BoundListener>, std::string> bindListeners(const Config& config,
                                                                    unsigned workers);

// "127.0.0.1:8443" or "[::1]:8443" for logs.
std::string describeAddress(const SocketAddress& address, uint16_t port);

}  // namespace httpgate::gate
