#include "gate/telemetry/loop_monitor.h"

#include <algorithm>

#include "common/time/clock.h"

namespace httpgate::gate {

LoopMonitor::LoopMonitor(event_base* base, WorkerMetrics& metrics) : metrics_(metrics) {
  event_assign(&timer_, base, -1, 0, onTick, this);
  const int64_t now = clock::monotonicNs();
  metrics_.heartbeatNs.set(now);
  arm(now);
}

LoopMonitor::~LoopMonitor() {
  event_del(&timer_);
}

void LoopMonitor::onTick(evutil_socket_t, short, void* arg) {
  static_cast<LoopMonitor*>(arg)->tick();
}

// A one-shot timer re-armed from now, not a persistent one: each interval
// then measures one wait, and a late tick does not make the next look late.
void LoopMonitor::arm(int64_t now) {
  due_ = now + kLoopTickNs;
  timeval tv{static_cast<time_t>(kLoopTickNs / 1'000'000'000),
             static_cast<suseconds_t>((kLoopTickNs % 1'000'000'000) / 1000)};
  event_add(&timer_, &tv);
}

void LoopMonitor::tick() {
  const int64_t now = clock::monotonicNs();
  const int64_t lag = std::max<int64_t>(now - due_, 0);
  metrics_.heartbeatNs.set(now);
  if (++ticks_ > kTicksPerWindow) {
    metrics_.lagPreviousMaxNs.set(metrics_.lagMaxNs.get());
    metrics_.lagMaxNs.set(lag);
    ticks_ = 1;
  } else if (lag > metrics_.lagMaxNs.get()) {
    metrics_.lagMaxNs.set(lag);
  }
  arm(now);
}

}  // namespace httpgate::gate
