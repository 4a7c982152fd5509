// The counts the workers of one gate share to hold connection limits
// across all of them (GateLimits), and what one open client connection
// holds against them (ConnectionSlot): its place in its listener's count
// (listen[].max_connections) and in its client's entry
// (limits.per_client.connections).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "gate/limits/client_table.h"

namespace httpgate::gate {

// Owned by the server, outlives the workers, and survives reloads: a
// reload changes the limits, never these counts, so a lowered limit
// refuses new connections and leaves open ones alone.
class GateLimits {
 public:
  // `listeners`: the configured listeners (fixed for the life of the
  // process); `clientCapacity`: the client table's bound.
  explicit GateLimits(size_t listeners, size_t clientCapacity = ClientTable::kCapacity);

  ClientTable& clients() { return clients_; }
  std::atomic<uint32_t>& listenerCount(size_t listener) { return listenerCounts_[listener]; }

 private:
  ClientTable clients_;
  std::unique_ptr<std::atomic<uint32_t>[]> listenerCounts_;
};

// Move-only: whichever object ends up holding it gives the counts back
// once, when it is destroyed (a TLS handshake handing its connection to
// HTTP/1.1 or HTTP/2 moves it along with the connection). An empty slot
// holds nothing.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ~ConnectionSlot() { release(); }
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  // Counts the connection on `listener` unless `limit` connections (0: no
  // limit) are open there already; false when refused. Once per slot.
  bool takeListener(GateLimits& limits, size_t listener, uint32_t limit);
  // Counts the connection for `client` (see ClientTable::openConnection);
  // the slot holds the count only when Admitted. Once per slot.
  ClientTable::Admit takeClient(GateLimits& limits, const ClientKey& client, uint32_t limit,
                                int64_t nowMs);
  // Gives back what the slot holds; the slot is empty afterwards.
  void release();

 private:
  std::atomic<uint32_t>* listener_ = nullptr;
  ClientTable* clients_ = nullptr;
  ClientKey client_;
};

}  // namespace httpgate::gate
