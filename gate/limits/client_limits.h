// limits.per_client applied to one connection or one request: the rules
// around the client table (client_table.h). Nothing is looked up while the
// limits are off, nor for an exempt client (limits.per_client.exempt),
// whose address never enters the table.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

#include "gate/config/config.h"
#include "gate/limits/client_table.h"
#include "gate/limits/connection_slot.h"

namespace httpgate::gate {

// A connection from `client` opens: counted into `slot` (Admitted),
// refused over limits.per_client.connections, or admitted uncounted
// (Untracked: the table is full of busy clients; also for an exempt client
// or limits that are off, which count nothing at all: Admitted then, with
// the slot holding no client count).
ClientTable::Admit admitClientConnection(GateLimits& gate, ConnectionSlot& slot,
                                         const PerClientLimits& limits,
                                         const sockaddr_storage& client, int64_t nowMs);

// A request from `client` takes a token of limits.per_client.requests;
// the verdict says whether it may go on (see ClientTable::takeRequest).
ClientTable::RequestVerdict admitClientRequest(ClientTable& table, const PerClientLimits& limits,
                                               const sockaddr_storage& client, int64_t nowMs);

}  // namespace httpgate::gate
