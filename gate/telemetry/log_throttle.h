// At most one log line per interval for an event that may come in floods
// (a client refused over a limit, thousands of times a second under
// attack): the first event of an interval is logged with the number of
// events left unlogged since the previous line. One per worker and kind of
// event; not thread-safe.
#pragma once

#include <cstdint>

namespace httpgate::gate {

class LogThrottle {
 public:
  explicit LogThrottle(int64_t intervalMs = 10'000) : intervalMs_(intervalMs) {}

  // Notes an event at `nowMs` (monotonic milliseconds); true when it is to
  // be logged, and then `unlogged` holds the events dropped before it.
  bool admit(int64_t nowMs, uint64_t& unlogged) {
    if (logged_ && nowMs - lastMs_ < intervalMs_) {
      ++dropped_;
      return false;
    }
    logged_ = true;
    lastMs_ = nowMs;
    unlogged = dropped_;
    dropped_ = 0;
    return true;
  }

 private:
  int64_t intervalMs_;
  int64_t lastMs_ = 0;
  bool logged_ = false;
  uint64_t dropped_ = 0;
};

}  // namespace httpgate::gate
