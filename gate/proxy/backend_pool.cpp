#include "gate/proxy/backend_pool.h"

#include <algorithm>

#include "common/time/clock.h"

namespace httpgate::gate {

BackendPool::BackendPool(event_base* base, size_t maxIdlePerBackend, std::chrono::seconds idleLimit)
    : base_(base), maxIdlePerBackend_(maxIdlePerBackend), idleLimit_(idleLimit) {
  event_assign(&sweep_, base_, -1, EV_PERSIST, onSweep, this);
  timeval every{5, 0};
  event_add(&sweep_, &every);
}

BackendPool::~BackendPool() {
  event_del(&sweep_);
  clear();
}

std::unique_ptr<BackendConnection> BackendPool::take(const BackendKey& key) {
  auto found = idle_.find(key);
  if (found == idle_.end() || found->second.empty()) {
    return nullptr;
  }
  std::unique_ptr<BackendConnection> connection = std::move(found->second.back());
  found->second.pop_back();
  --idleCount_;
  // Its read event stays armed: the new owner gets the events from now on.
  connection->setPool(nullptr);
  connection->reused = true;
  return connection;
}

void BackendPool::give(std::unique_ptr<BackendConnection> connection) {
  auto& list = idle_[connection->key()];
  if (list.size() >= maxIdlePerBackend_) {
    return;  // dropping the unique_ptr closes it
  }
  connection->setOwner(nullptr);
  connection->setPool(this);
  connection->in().release();
  connection->newRequest();  // its capacity is reused by the next request
  connection->idleSince = clock::coarseMs();
  connection->watchIdle();  // readable while idle = closed by the backend
  list.push_back(std::move(connection));
  ++idleCount_;
}

void BackendPool::clear() {
  idle_.clear();
  idleCount_ = 0;
}

void BackendPool::onIdleEvent(BackendConnection* connection) {
  if (connection->idleStillUsable()) {
    return;  // a TLS record that was not data (a session ticket): still idle
  }
  remove(connection);
}

void BackendPool::remove(BackendConnection* connection) {
  auto found = idle_.find(connection->key());
  if (found == idle_.end()) {
    return;
  }
  auto& list = found->second;
  auto it = std::find_if(list.begin(), list.end(),
                         [connection](const auto& item) { return item.get() == connection; });
  if (it != list.end()) {
    list.erase(it);
    --idleCount_;
  }
}

void BackendPool::onSweep(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<BackendPool*>(arg);
  const int64_t now = clock::coarseMs();
  for (auto it = self->idle_.begin(); it != self->idle_.end();) {
    auto& list = it->second;
    size_t before = list.size();
    std::erase_if(list, [&](const auto& connection) {
      return now - connection->idleSince >= self->idleLimit_.count() * 1000;
    });
    self->idleCount_ -= before - list.size();
    it = list.empty() ? self->idle_.erase(it) : std::next(it);
  }
}

}  // namespace httpgate::gate
