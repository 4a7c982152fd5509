#include "gate/limits/client_limits.h"

namespace httpgate::gate {

ClientTable::Admit admitClientConnection(GateLimits& gate, ConnectionSlot& slot,
                                         const PerClientLimits& limits,
                                         const sockaddr_storage& client, int64_t nowMs) {
  if (!limits.active() || limits.exempt.contains(client)) {
    return ClientTable::Admit::Admitted;
  }
  return slot.takeClient(gate, ClientKey::of(client), limits.connections, nowMs);
}

ClientTable::RequestVerdict admitClientRequest(ClientTable& table, const PerClientLimits& limits,
                                               const sockaddr_storage& client, int64_t nowMs) {
  if (limits.requestRate <= 0 || limits.exempt.contains(client)) {
    return {};
  }
  return table.takeRequest(ClientKey::of(client), limits.requestRate, limits.requestBurst, nowMs);
}

}  // namespace httpgate::gate
