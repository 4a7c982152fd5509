#include "gate/admin/traffic_history.h"

#include <algorithm>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

// A counter's growth from `before` to `after` (a counter never shrinks;
// a sample from before a restart cannot be in the ring).
uint64_t grown(uint64_t before, uint64_t after) {
  return after >= before ? after - before : 0;
}

}  // namespace

json handshakeFailuresJson(const HandshakeCounts& counts) {
  json failures = json::object();
  for (size_t reason = 0; reason < kHandshakeFailures; ++reason) {
    failures[labelOf(static_cast<HandshakeFailure>(reason))] = counts.failed[reason];
  }
  return failures;
}

TrafficSample sampleTraffic(const WorkerMetricsList& workers, int64_t atSeconds) {
  TrafficSample sample;
  sample.atSeconds = atSeconds;
  for (const auto& worker : workers) {
    for (size_t cls = 0; cls < kStatusClasses; ++cls) {
      for (size_t route = 0; route < kRouteKinds; ++route) {
        sample.requests[cls] += worker->requests[cls][route].get();
      }
    }
    sample.bytesIn += worker->bytesReceived.get();
    sample.bytesOut += worker->bytesSent.get();
  }
  const size_t listeners = workers.empty() ? 0 : workers.front()->handshakes.size();
  for (size_t index = 0; index < listeners; ++index) {
    sample.handshakes.push_back(handshakesOn(workers, index));
  }
  return sample;
}

void TrafficHistory::add(const TrafficSample& sample) {
  samples_.push_back(sample);
  while (samples_.size() > kSamples) {
    samples_.pop_front();
  }
}

json TrafficHistory::series() const {
  json at = json::array();
  std::array<json, kStatusClasses> requests;
  requests.fill(json::array());
  json bytesIn = json::array();
  json bytesOut = json::array();
  for (size_t i = 1; i < samples_.size(); ++i) {
    const TrafficSample& before = samples_[i - 1];
    const TrafficSample& after = samples_[i];
    at.push_back(after.atSeconds);
    for (size_t cls = 0; cls < kStatusClasses; ++cls) {
      requests[cls].push_back(grown(before.requests[cls], after.requests[cls]));
    }
    bytesIn.push_back(grown(before.bytesIn, after.bytesIn));
    bytesOut.push_back(grown(before.bytesOut, after.bytesOut));
  }
  json byClass = json::object();
  for (size_t cls = 0; cls < kStatusClasses; ++cls) {
    byClass[labelOf(static_cast<StatusClass>(cls))] = std::move(requests[cls]);
  }
  return {{"interval_seconds", 1},
          {"at", std::move(at)},
          {"requests", std::move(byClass)},
          {"bytes_in", std::move(bytesIn)},
          {"bytes_out", std::move(bytesOut)}};
}

json TrafficHistory::lastMinute(std::optional<size_t> listener) const {
  HandshakeCounts grew;
  int64_t seconds = 0;
  if (samples_.size() >= 2) {
    const TrafficSample& last = samples_.back();
    // The newest sample at least 60 s older than the last, else the oldest.
    size_t first = 0;
    for (size_t i = samples_.size(); i-- > 0;) {
      if (last.atSeconds - samples_[i].atSeconds >= 60) {
        first = i;
        break;
      }
    }
    const TrafficSample& start = samples_[first];
    seconds = last.atSeconds - start.atSeconds;
    for (size_t index = 0; index < last.handshakes.size() && index < start.handshakes.size();
         ++index) {
      if (listener && *listener != index) {
        continue;
      }
      const HandshakeCounts& before = start.handshakes[index];
      const HandshakeCounts& after = last.handshakes[index];
      grew.completed += grown(before.completed, after.completed);
      for (size_t reason = 0; reason < kHandshakeFailures; ++reason) {
        grew.failed[reason] += grown(before.failed[reason], after.failed[reason]);
      }
    }
  }
  return {{"seconds", seconds},
          {"handshakes", grew.completed},
          {"failures", handshakeFailuresJson(grew)}};
}

}  // namespace httpgate::gate
