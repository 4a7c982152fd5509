#include "gate/admin/census_gathering.h"

#include "gate/proxy/worker.h"

namespace httpgate::gate {

std::shared_ptr<CensusGathering> CensusGathering::start(event_base* base,
                                                        const std::vector<Worker*>& workers,
                                                        int waitMs, Done done) {
  std::shared_ptr<CensusGathering> gathering(new CensusGathering(workers.size(), std::move(done)));
  // The event holds a plain pointer: whoever keeps the gathering (the admin
  // connection) cancels it, which frees the event, before letting it go.
  gathering->wake_ = event_new(base, -1, 0, onWake, gathering.get());
  const timeval wait{waitMs / 1000, (waitMs % 1000) * 1000};
  event_add(gathering->wake_, &wait);
  if (workers.empty()) {
    event_active(gathering->wake_, 0, 0);
  }
  for (Worker* worker : workers) {
    worker->post(
        [gathering, worker] { gathering->deliver(takeCensus(worker->backendConnections())); });
  }
  return gathering;
}

CensusGathering::~CensusGathering() {
  cancel();
}

void CensusGathering::cancel() {
  std::lock_guard lock(mutex_);
  if (wake_ != nullptr) {
    event_free(wake_);
    wake_ = nullptr;
  }
  done_ = nullptr;
}

void CensusGathering::deliver(const std::vector<BackendUse>& uses) {
  std::lock_guard lock(mutex_);
  if (wake_ == nullptr) {
    return;  // too late, or nobody waits any more
  }
  mergeCensus(census_.uses, uses);
  if (++census_.answered == census_.workers) {
    // Safe from this thread: main() called evthread_use_pthreads().
    event_active(wake_, 0, 0);
  }
}

void CensusGathering::onWake(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<CensusGathering*>(arg);
  // `done` may drop the last owner: keep the object until the end.
  const std::shared_ptr<CensusGathering> keep = self->shared_from_this();
  BackendCensus census;
  Done done;
  {
    std::lock_guard lock(self->mutex_);
    event_free(self->wake_);
    self->wake_ = nullptr;
    census = std::move(self->census_);
    done = std::move(self->done_);
  }
  if (done) {
    done(std::move(census));
  }
}

}  // namespace httpgate::gate
