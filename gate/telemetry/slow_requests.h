// The slowest recent requests of one worker, for the status page: method,
// path (without its query), status, duration and backend port of the ten
// slowest requests of the current and the previous five-minute window.
//
// Kept where they happen at almost no cost: the worker compares a finished
// request's duration with a threshold only it reads and writes (the
// shortest duration kept, or zero while fewer than ten are kept), and takes
// the mutex only for a request that enters the table: a few times per
// window once the table is full. The admin thread takes the mutex to read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace httpgate::gate {

struct SlowRequest {
  // Truncated, NUL-terminated copies: a request never allocates for them.
  static constexpr size_t kMethodBytes = 16;
  static constexpr size_t kPathBytes = 112;

  int64_t startedAt = 0;    // Unix seconds
  uint64_t durationUs = 0;  // from its head to its last byte (or its tunnel's start)
  uint16_t status = 0;
  uint16_t backendPort = 0;  // 0: the gate answered itself
  bool pathTruncated = false;
  char method[kMethodBytes] = {};
  char path[kPathBytes] = {};

  // Copies `method` and the path of `target` (up to its '?'), truncated.
  void setRequest(std::string_view method, std::string_view target);
};

// Sorts `requests` slowest first and keeps the first `keep`.
void keepSlowest(std::vector<SlowRequest>& requests, size_t keep);

class SlowRequests {
 public:
  static constexpr size_t kKept = 10;
  static constexpr int64_t kWindowSeconds = 300;

  // Worker thread: whether a request that took `durationUs` and ended at
  // `nowSeconds` (Unix) would enter the table. No lock, no atomic.
  bool wouldKeep(uint64_t durationUs, int64_t nowSeconds) const {
    return durationUs > threshold_ || nowSeconds >= windowEnd_;
  }
  // Worker thread, after wouldKeep(): enters `request`, ending the window
  // first when it is over.
  void keep(const SlowRequest& request, int64_t nowSeconds);
  // Any thread: the kept requests of the current and the previous window
  // (both when the previous one ended less than a window ago), slowest
  // first.
  std::vector<SlowRequest> recent(int64_t nowSeconds) const;

 private:
  struct Window {
    std::array<SlowRequest, kKept> requests{};
    size_t count = 0;
    int64_t end = 0;  // Unix seconds
  };

  // Writer thread only.
  uint64_t threshold_ = 0;
  int64_t windowEnd_ = 0;

  mutable std::mutex mutex_;  // guards current_ and previous_
  Window current_;
  Window previous_;
};

}  // namespace httpgate::gate
