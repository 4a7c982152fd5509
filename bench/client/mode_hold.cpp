#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/client/modes.h"
#include "bench/client/tally.h"

namespace httpgate::bench {
namespace {

volatile std::sig_atomic_t stopRequested = 0;

void requestStop(int /*signal*/) {
  stopRequested = 1;
}

// Raises the descriptor limit to fit `needed`; the hard limit only moves
// with CAP_SYS_RESOURCE. Returns the soft limit in force.
rlim_t raiseFileLimit(rlim_t needed) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= needed) {
    return limit.rlim_cur;
  }
  rlimit wanted = limit;
  wanted.rlim_cur = needed;
  wanted.rlim_max = std::max(limit.rlim_max, needed);
  if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
    wanted.rlim_cur = limit.rlim_max;
    wanted.rlim_max = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &wanted);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

// What a connection does before it idles: options.requests HTTP/1.1
// exchanges one after another, or with --h2 as many concurrent streams
// (a browser's page: many requests on one HTTP/2 connection, a few on
// each of several HTTP/1.1 ones).
void useConnection(Connection& connection, const Options& options, const std::string& request) {
  if (options.h2) {
    connection.exchangeH2(options, options.requests);
    return;
  }
  for (unsigned i = 0; i < options.requests && connection.failure() == Failure::None; ++i) {
    connection.exchange(request);
  }
}

// Opens `count` connections and uses each (useConnection); the good ones
// go into `held`.
void openSome(unsigned count, const Options& options, SSL_CTX* context, Tally& tally,
              std::mutex& mutex, std::vector<Connection>& held) {
  const std::string request = makeRequest(options);
  std::vector<Connection> mine;
  mine.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    Connection connection = Connection::open(options, context);
    useConnection(connection, options, request);
    tally.record(connection);
    if (connection.failure() == Failure::None) {
      mine.push_back(std::move(connection));
    }
  }
  std::lock_guard lock(mutex);
  for (Connection& connection : mine) {
    held.push_back(std::move(connection));
  }
}

// Blocks until stdin reaches its end or a stop signal arrives.
void waitForRelease() {
  struct sigaction action {};
  action.sa_handler = requestStop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: read() returns EINTR
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  char buffer[256];
  while (stopRequested == 0) {
    ssize_t got = read(STDIN_FILENO, buffer, sizeof buffer);
    if (got == 0 || (got < 0 && errno != EINTR)) {
      return;
    }
  }
}

}  // namespace

int runHold(const Options& options, SSL_CTX* context) {
  const rlim_t limit = raiseFileLimit(options.count + 64);
  Tally tally;
  std::mutex mutex;
  std::vector<Connection> held;
  held.reserve(options.count);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < options.concurrency; ++i) {
    unsigned share =
        options.count / options.concurrency + (i < options.count % options.concurrency);
    threads.emplace_back(openSome, share, std::cref(options), context, std::ref(tally),
                         std::ref(mutex), std::ref(held));
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("holding %zu\n", held.size());
  std::printf("{\"mode\":\"hold\",%s,\"held\":%zu,\"elapsed\":%.3f,\"fd_limit\":%llu}\n",
              tally.jsonFields().c_str(), held.size(), elapsed,
              static_cast<unsigned long long>(limit));
  std::fflush(stdout);
  waitForRelease();
  return held.size() == options.count ? 0 : 1;
}

}  // namespace httpgate::bench
