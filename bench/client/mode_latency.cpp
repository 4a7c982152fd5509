#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "bench/client/modes.h"
#include "bench/client/tally.h"

namespace httpgate::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The nearest-rank percentile of sorted `samples` (not empty).
double percentile(const std::vector<double>& samples, double fraction) {
  size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(samples.size())));
  return samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace

int runLatency(const Options& options, SSL_CTX* context) {
  Tally tally;
  const std::string request = makeRequest(options);
  std::vector<double> samples;
  samples.reserve(options.count);
  const auto start = Clock::now();
  const auto cap = std::chrono::duration<double>(options.seconds);
  for (unsigned i = 0; i < options.count && Clock::now() - start < cap; ++i) {
    const auto begin = Clock::now();
    Connection connection = Connection::open(options, context);
    connection.exchange(request);
    const auto end = Clock::now();
    tally.record(connection);
    if (connection.failure() == Failure::None) {
      samples.push_back(std::chrono::duration<double, std::micro>(end - begin).count());
    }
  }
  std::sort(samples.begin(), samples.end());
  double p50 = 0, p99 = 0, mean = 0, min = 0, max = 0;
  if (!samples.empty()) {
    p50 = percentile(samples, 0.50);
    p99 = percentile(samples, 0.99);
    mean =
        std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
    min = samples.front();
    max = samples.back();
  }
  std::printf(
      "{\"mode\":\"latency\",%s,\"samples\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,"
      "\"mean_us\":%.1f,\"min_us\":%.1f,\"max_us\":%.1f}\n",
      tally.jsonFields().c_str(), samples.size(), p50, p99, mean, min, max);
  return samples.empty() ? 1 : 0;
}

}  // namespace httpgate::bench
