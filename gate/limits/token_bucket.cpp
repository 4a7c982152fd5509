#include "gate/limits/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace httpgate::gate {
namespace {

// Retry-After is a day at most: a rate as low as 1/h with an empty bucket
// asks for an hour, and nothing sensible asks for more.
constexpr double kMaxRetryAfter = 86400;

}  // namespace

void TokenBucket::refill(int64_t nowMs, double rate, uint32_t burst) {
  // The monotonic clock never goes back, but a coarse reading of another
  // thread may be a tick older than the one stored: no negative refill.
  if (nowMs > refilledAt_) {
    tokens_ += static_cast<double>(nowMs - refilledAt_) * rate / 1000.0;
    refilledAt_ = nowMs;
  }
  // Also when a reload lowered the burst: never more than it allows.
  tokens_ = std::min(tokens_, static_cast<double>(burst));
}

uint32_t TokenBucket::take(int64_t nowMs, double rate, uint32_t burst) {
  refill(nowMs, rate, burst);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return 0;
  }
  return secondsUntilToken(tokens_, rate);
}

uint32_t secondsUntilToken(double tokens, double rate) {
  const double seconds = std::ceil((1.0 - tokens) / rate);
  return static_cast<uint32_t>(std::clamp(seconds, 1.0, kMaxRetryAfter));
}

}  // namespace httpgate::gate
