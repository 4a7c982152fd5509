#include "gate/limits/connection_slot.h"

#include <utility>

namespace httpgate::gate {

GateLimits::GateLimits(size_t listeners, size_t clientCapacity)
    : clients_(clientCapacity),
      listenerCounts_(std::make_unique<std::atomic<uint32_t>[]>(listeners)) {}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : listener_(std::exchange(other.listener_, nullptr)),
      clients_(std::exchange(other.clients_, nullptr)),
      client_(other.client_) {}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    listener_ = std::exchange(other.listener_, nullptr);
    clients_ = std::exchange(other.clients_, nullptr);
    client_ = other.client_;
  }
  return *this;
}

bool ConnectionSlot::takeListener(GateLimits& limits, size_t listener, uint32_t limit) {
  std::atomic<uint32_t>& count = limits.listenerCount(listener);
  // Counted also without a limit: a reload that sets one finds the count.
  if (count.fetch_add(1, std::memory_order_relaxed) >= limit && limit != 0) {
    count.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  listener_ = &count;
  return true;
}

ClientTable::Admit ConnectionSlot::takeClient(GateLimits& limits, const ClientKey& client,
                                              uint32_t limit, int64_t nowMs) {
  const ClientTable::Admit admit = limits.clients().openConnection(client, limit, nowMs);
  if (admit == ClientTable::Admit::Admitted) {
    clients_ = &limits.clients();
    client_ = client;
  }
  return admit;
}

void ConnectionSlot::release() {
  if (listener_ != nullptr) {
    listener_->fetch_sub(1, std::memory_order_relaxed);
    listener_ = nullptr;
  }
  if (clients_ != nullptr) {
    clients_->closeConnection(client_);
    clients_ = nullptr;
  }
}

}  // namespace httpgate::gate
