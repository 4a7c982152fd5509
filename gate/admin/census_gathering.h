// Gathers the workers' backend censuses (gate/proxy/backend_census.h) for
// one status request: the work is posted to every worker, and the admin
// loop is woken when all have answered or the wait is over, whichever
// comes first — a worker stuck in a long callback delays the page by the
// wait at most and is reported as not counted.
#pragma once

#include <event2/event.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "gate/proxy/backend_census.h"

namespace httpgate::gate {

class Worker;

// What the workers reported: their connections merged by key.
struct BackendCensus {
  std::vector<BackendUse> uses;
  size_t workers = 0;   // asked
  size_t answered = 0;  // answered in time
};

class CensusGathering : public std::enable_shared_from_this<CensusGathering> {
 public:
  using Done = std::function<void(BackendCensus)>;

  // Admin thread: asks every one of `workers` (which outlive the answer)
  // and calls `done` on `base`'s loop with what arrived within `waitMs`.
  static std::shared_ptr<CensusGathering> start(event_base* base,
                                                const std::vector<Worker*>& workers, int waitMs,
                                                Done done);
  ~CensusGathering();
  CensusGathering(const CensusGathering&) = delete;
  CensusGathering& operator=(const CensusGathering&) = delete;

  // Admin thread: the request went away; `done` will not be called.
  void cancel();

 private:
  CensusGathering(size_t workers, Done done) : done_(std::move(done)) { census_.workers = workers; }
  // Worker thread: one worker's census.
  void deliver(const std::vector<BackendUse>& uses);
  static void onWake(evutil_socket_t, short, void* arg);

  std::mutex mutex_;  // guards census_ and wake_
  BackendCensus census_;
  event* wake_ = nullptr;  // freed (and null) once woken or cancelled
  Done done_;              // admin thread only
};

}  // namespace httpgate::gate
