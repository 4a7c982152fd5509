// The budget of an HTTP/2 connection for frames that cost the gate work and
// get the client nothing a well-behaved client needs many of: RST_STREAM
// (the rapid reset attack, CVE-2023-44487: each reset stream has already
// started an exchange), PING and SETTINGS (each owes an ACK), PRIORITY, and
// DATA frames that are empty and do not end their stream (CVE-2019-9511 to
// -9518). A token bucket per connection: a burst a browser cancelling a
// page's requests stays far below, refilled at a steady rate. A client that
// empties it gets GOAWAY ENHANCE_YOUR_CALM and the connection ends.
#pragma once

#include <algorithm>
#include <cstdint>

namespace httpgate::gate {

class Http2FloodGuard {
 public:
  static constexpr int64_t kBurst = 200;           // frames
  static constexpr int64_t kRefillPerSecond = 50;  // frames

  explicit Http2FloodGuard(int64_t nowMs) : last_(nowMs) {}

  // One such frame arrived at `nowMs`; false once the budget is spent.
  bool charge(int64_t nowMs) {
    // Tokens are kept in thousandths so that a refill of less than one
    // frame per millisecond is not lost to rounding.
    const int64_t elapsed = std::max<int64_t>(0, nowMs - last_);
    last_ = nowMs;
    milliTokens_ = std::min(kBurst * 1000, milliTokens_ + elapsed * kRefillPerSecond);
    if (milliTokens_ < 1000) {
      return false;
    }
    milliTokens_ -= 1000;
    return true;
  }

 private:
  int64_t milliTokens_ = kBurst * 1000;
  int64_t last_;
};

}  // namespace httpgate::gate
