// What the admin endpoint reports: the /metrics page built from the
// workers' and the process's counters, and the /healthz verdict. Runs on the
// admin thread; it only reads the counters (relaxed loads), so a scrape
// never slows a worker down.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gate/proxy/host_health.h"
#include "gate/telemetry/metrics.h"
#include "gate/tls/acme_manager.h"
#include "gate/tls/certificate_info.h"
#include "gate/tls/ocsp_stapler.h"

namespace httpgate::gate {

struct MetricsSources {
  std::vector<std::string> listenerLabels;  // "[::]:443", by listener index
  std::vector<std::shared_ptr<const WorkerMetrics>> workers;
  const ProcessMetrics* process = nullptr;
  std::string version;
  const HostHealthRegistry* hosts = nullptr;          // routes.hosts health; null = none
  const CertificateRegistry* certificates = nullptr;  // null = none
  const OcspStapler* ocsp = nullptr;                  // null = none
  const AcmeManager* acme = nullptr;                  // null = none
};

using WorkerMetricsList = std::vector<std::shared_ptr<const WorkerMetrics>>;

// The sum of one counter over the workers: total(workers, [](auto& w) ->
// const Counter& { return w.handshakes; }).
template <typename Pick>
uint64_t total(const WorkerMetricsList& workers, Pick pick) {
  uint64_t sum = 0;
  for (const auto& worker : workers) {
    sum += pick(*worker).get();
  }
  return sum;
}

// Plain sums of HandshakeCounters (metrics.h).
struct HandshakeCounts {
  uint64_t completed = 0;
  std::array<uint64_t, kHandshakeFailures> failed{};  // by HandshakeFailure

  HandshakeCounts& operator+=(const HandshakeCounts& other);
};

// The TLS handshakes on listener `index`, over the workers.
HandshakeCounts handshakesOn(const WorkerMetricsList& workers, size_t index);
// The TLS handshakes on every listener, over the workers.
HandshakeCounts allHandshakes(const WorkerMetricsList& workers);

// Client connections open now on listener `index`, over the workers.
int64_t openConnections(const MetricsSources& sources, size_t index);

// A worker whose loop timer has not fired for this long is not responsive.
constexpr int64_t kHeartbeatLimitNs = 5'000'000'000;

// The /metrics page in Prometheus text format 0.0.4.
std::string renderMetrics(const MetricsSources& sources);

// Whether every worker's loop is running and its timer fired within
// kHeartbeatLimitNs of `nowNs` (CLOCK_MONOTONIC nanoseconds); when not, `problem` says which worker
// and why.
bool workersHealthy(const MetricsSources& sources, int64_t nowNs, std::string& problem);

}  // namespace httpgate::gate
