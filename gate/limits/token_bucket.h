// A token bucket for the requests of one client (limits.per_client.requests):
// `burst` tokens at most, refilled at `rate` per second, one taken per
// request. The rate and burst are passed at every call, not stored, so that
// a reload changes them at once for every client. Plain data: the client
// table (client_table.h) guards it with its shard's mutex.
#pragma once

#include <cstdint>
#include <limits>

namespace httpgate::gate {

class TokenBucket {
 public:
  // A new client's bucket is full, whatever burst the first take() names.
  explicit TokenBucket(int64_t nowMs)
      : tokens_(std::numeric_limits<double>::max()), refilledAt_(nowMs) {}

  // Takes a token at `nowMs` (monotonic milliseconds). Returns 0 when one
  // was taken, else the whole seconds until one will be there (at least 1:
  // the value of a Retry-After field). `rate` > 0 tokens per second.
  uint32_t take(int64_t nowMs, double rate, uint32_t burst);

  double tokens() const { return tokens_; }

 private:
  void refill(int64_t nowMs, double rate, uint32_t burst);

  double tokens_;
  int64_t refilledAt_;
};

// The whole seconds until a bucket holding `tokens` (< 1) has one, at
// `rate` per second: at least 1, rounded up, so that a client that waits
// as told finds its token.
uint32_t secondsUntilToken(double tokens, double rate);

}  // namespace httpgate::gate
