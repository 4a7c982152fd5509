// The last 15 minutes of the gate's traffic for the status page: the admin
// thread samples the workers' cumulative counters once a second (a few
// hundred nanoseconds of its own time, nothing on a worker) into a ring,
// and the page gets the per-second differences: requests by status class,
// bytes, TLS handshakes and their failures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "gate/admin/metrics_report.h"

namespace httpgate::gate {

struct TrafficSample {
  int64_t atSeconds = 0;  // Unix time
  std::array<uint64_t, kStatusClasses> requests{};
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  std::vector<HandshakeCounts> handshakes;  // by listener index
};

// {"timeout": n, "closed": n, "protocol": n}: `counts`' failures by reason.
nlohmann::json handshakeFailuresJson(const HandshakeCounts& counts);

// The counters now, summed over the workers.
TrafficSample sampleTraffic(const WorkerMetricsList& workers, int64_t atSeconds);

class TrafficHistory {
 public:
  // 15 minutes of 1-second samples, and the one before the first.
  static constexpr size_t kSamples = 15 * 60 + 1;

  void add(const TrafficSample& sample);

  // {"interval_seconds": 1, "at": [t...], "requests": {"1xx": [n...], ...},
  //  "bytes_in": [...], "bytes_out": [...]}: what happened in each second
  // that ended at at[i] (oldest first).
  nlohmann::json series() const;
  // {"seconds": S, "handshakes": n, "failures": {"timeout": n, ...}} over
  // the last minute (S: how much of it the history covers), on listener
  // `listener`, or on every listener when it is empty.
  nlohmann::json lastMinute(std::optional<size_t> listener = std::nullopt) const;

 private:
  std::deque<TrafficSample> samples_;
};

}  // namespace httpgate::gate
