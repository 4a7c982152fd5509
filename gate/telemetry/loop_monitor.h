// A worker's pulse: a timer on the worker's own loop that fires every
// kLoopTick and notes (in its WorkerMetrics) when it fired and how late. A
// loop busy with a long callback fires late (lag); a loop that is stuck
// stops beating, which /healthz reports. One wake-up per tick and worker is
// all it costs.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstdint>

#include "gate/telemetry/metrics.h"

namespace httpgate::gate {

constexpr int64_t kLoopTickNs = 500'000'000;
// The lag gauge is the maximum over the current window and the previous one.
constexpr int kTicksPerWindow = 20;  // 10 s

class LoopMonitor {
 public:
  // Arms the timer on `base`; `metrics` outlives the monitor. Counts the
  // construction as the first beat, so a worker is healthy from its start.
  LoopMonitor(event_base* base, WorkerMetrics& metrics);
  ~LoopMonitor();
  LoopMonitor(const LoopMonitor&) = delete;
  LoopMonitor& operator=(const LoopMonitor&) = delete;

 private:
  static void onTick(evutil_socket_t, short, void* arg);
  void tick();
  void arm(int64_t now);

  event timer_{};
  WorkerMetrics& metrics_;
  int64_t due_ = 0;  // CLOCK_MONOTONIC ns the timer should fire at
  int ticks_ = 0;    // in the current window
};

}  // namespace httpgate::gate
