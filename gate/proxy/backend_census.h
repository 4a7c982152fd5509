// The status page's "session ports": which backend addresses and ports a
// worker has connections to now, in use by an exchange or idle in its pool.
// Taken on the worker's thread only when the page is asked for (the admin
// endpoint posts the work to every worker), never kept up to date on the
// request path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gate/proxy/backend_connection.h"

namespace httpgate::gate {

struct BackendUse {
  BackendKey key;
  uint32_t active = 0;  // carrying (or connecting for) an exchange
  uint32_t pooled = 0;  // idle in the worker's pool

  // The key's address as text: "127.0.0.1", "::1".
  std::string address() const;
};

// The connections of `list` by key (worker thread).
std::vector<BackendUse> takeCensus(const BackendConnectionList& list);

// Adds `more` (another worker's census) into `into`, one entry per key,
// sorted by port, then address.
void mergeCensus(std::vector<BackendUse>& into, const std::vector<BackendUse>& more);

}  // namespace httpgate::gate
