// Idle keep-alive connections to backends, per worker, keyed by backend
// address and port. A connection goes back to the pool only after a complete
// exchange with nothing left unread; while pooled, readability means the
// backend closed it (or sent garbage), so it is dropped — except TLS records
// that carry no data (a session ticket), which OpenSSL takes in. The key
// tells TLS connections from plain ones (BackendKey::tls). A sweep closes
// connections idle for longer than the pool's idle limit.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <chrono>
#include <memory>
#include <unordered_map>
#include <vector>

#include "gate/proxy/backend_connection.h"

namespace httpgate::gate {

class BackendPool {
 public:
  BackendPool(event_base* base, size_t maxIdlePerBackend, std::chrono::seconds idleLimit);
  ~BackendPool();
  BackendPool(const BackendPool&) = delete;
  BackendPool& operator=(const BackendPool&) = delete;

  // An idle connection to `key`, most recently used first, or nullptr.
  // The caller becomes its owner.
  std::unique_ptr<BackendConnection> take(const BackendKey& key);
  // Keeps `connection` (clean, nothing pending) for reuse, or closes it when
  // the pool for its key is full.
  void give(std::unique_ptr<BackendConnection> connection);
  // Closes every idle connection (shutdown).
  void clear();

  size_t idleCount() const { return idleCount_; }

  // Called by a pooled connection's event: it is closed and removed.
  void onIdleEvent(BackendConnection* connection);

 private:
  static void onSweep(evutil_socket_t, short, void* arg);
  void remove(BackendConnection* connection);

  event_base* base_;
  size_t maxIdlePerBackend_;
  std::chrono::seconds idleLimit_;
  std::unordered_map<BackendKey, std::vector<std::unique_ptr<BackendConnection>>, BackendKeyHash>
      idle_;
  size_t idleCount_ = 0;
  event sweep_{};
};

}  // namespace httpgate::gate
