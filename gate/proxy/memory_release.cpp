#include "gate/proxy/memory_release.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <ctime>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common/time/clock.h"

namespace httpgate::gate {
namespace {

// malloc_trim() covers every arena, so one release at a time is enough: a
// worker whose last close came before another worker's release began has
// nothing left to give back, and two at once would only fight over the
// arena locks.
std::atomic<bool> releasing{false};
std::atomic<int64_t> lastReleaseStartNs{0};
// A worker that finds another release under way looks again this much later.
constexpr int64_t kReleaseRetryNs = 200'000'000;

int64_t threadCpuNs() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

}  // namespace

int64_t ReleasePlan::closed(size_t count, int64_t now) {
  lastClose_ = now;
  if (firstClose_ == 0) {
    firstClose_ = now;
  }
  if (dropSince_ == 0 && dropped(count)) {
    dropSince_ = now;
  }
  return nextCheck();
}

bool ReleasePlan::due(size_t count, int64_t now) {
  if (dropSince_ != 0 && !dropped(count)) {
    dropSince_ = 0;  // new connections use the freed memory again
  }
  const int64_t at = nextCheck();
  return at != 0 && now >= at;
}

int64_t ReleasePlan::nextCheck() const {
  if (dropSince_ != 0) {
    return std::min(lastClose_ + kReleaseQuietNs, dropSince_ + kReleaseMaxDelayNs);
  }
  if (firstClose_ != 0) {
    return std::max(firstClose_ + kReleaseIdleNs, lastClose_ + kReleaseQuietNs);
  }
  return 0;
}

void ReleasePlan::released(size_t count) {
  peak_ = count;
  dropSince_ = 0;
  firstClose_ = 0;
}

MemoryRelease::MemoryRelease(event_base* base, unsigned worker) : worker_(worker) {
  event_assign(&timer_, base, -1, 0, onTimer, this);
}

MemoryRelease::~MemoryRelease() {
  event_del(&timer_);
}

void MemoryRelease::closed(size_t count) {
  count_ = count;
  const int64_t now = clock::monotonicNs();
  const int64_t next = plan_.closed(count, now);
  if (next != 0 && (armedAt_ == 0 || next < armedAt_)) {
    arm(next, now);
  }
}

void MemoryRelease::onTimer(evutil_socket_t, short, void* arg) {
  static_cast<MemoryRelease*>(arg)->fire();
}

void MemoryRelease::fire() {
  armedAt_ = 0;
  const int64_t now = clock::monotonicNs();
  if (plan_.due(count_, now)) {
    if (lastReleaseStartNs.load() > plan_.lastClose()) {
      plan_.released(count_);  // another worker's release covered this one's frees
    } else if (releasing.exchange(true)) {
      arm(now + kReleaseRetryNs, now);
    } else {
      lastReleaseStartNs.store(now);
      release();
      releasing.store(false);
      plan_.released(count_);
    }
    return;
  }
  const int64_t next = plan_.nextCheck();
  if (next != 0) {
    arm(next, now);
  }
}

void MemoryRelease::arm(int64_t at, int64_t now) {
  // A timer that fires a little late is harmless; one that fires early
  // only re-arms.
  const int64_t wait = std::max<int64_t>(at - now, 0);
  timeval tv{static_cast<time_t>(wait / 1'000'000'000),
             static_cast<suseconds_t>((wait % 1'000'000'000) / 1000)};
  event_add(&timer_, &tv);
  armedAt_ = at;
}

void MemoryRelease::release() {
#if defined(__GLIBC__)
  const int64_t start = clock::monotonicNs();
  const int64_t cpuStart = threadCpuNs();
  const bool gaveBack = malloc_trim(0) != 0;
  spdlog::debug(
      "worker {}: free heap {}returned to the system in {} µs ({} µs CPU), {} "
      "connections open",
      worker_, gaveBack ? "" : "(none) ", (clock::monotonicNs() - start) / 1000,
      (threadCpuNs() - cpuStart) / 1000, count_);
#endif
}

}  // namespace httpgate::gate
