#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/client/modes.h"
#include "bench/client/tally.h"
#include "bench/client/tls_setup.h"

namespace httpgate::bench {
namespace {

using Clock = std::chrono::steady_clock;

void loopUntil(Clock::time_point deadline, const Options& options, SSL_CTX* context, Tally& tally) {
  const std::string request = makeRequest(options);
  while (Clock::now() < deadline) {
    Connection connection = Connection::open(options, context);
    connection.exchange(request);
    tally.record(connection);
    if (connection.failure() == Failure::Connect) {
      // A peer that is down must not turn this loop into a busy one.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

}  // namespace

int runHandshakes(const Options& options, SSL_CTX* context) {
  Tally tally;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < options.concurrency; ++i) {
    threads.emplace_back(loopUntil, deadline, std::cref(options), context, std::ref(tally));
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double completed = static_cast<double>(tally.completed());
  const double tickets = static_cast<double>(ticketsReceived());
  std::printf(
      "{\"mode\":\"handshakes\",%s,\"elapsed\":%.6f,\"per_second\":%.2f,"
      "\"tickets_per_connection\":%.3f,\"concurrency\":%u}\n",
      tally.jsonFields().c_str(), elapsed, completed / elapsed,
      completed > 0 ? tickets / completed : 0.0, options.concurrency);
  return tally.completed() > 0 ? 0 : 1;
}

}  // namespace httpgate::bench
