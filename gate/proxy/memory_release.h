// Giving a burst's memory back to the system. glibc keeps what a burst of
// connections freed in its arenas: the holes the closed connections leave
// (OpenSSL's SSL objects, the sessions, their buffers) are rarely at the top
// of a heap, so free() never shrinks it and the process keeps its peak for
// good. malloc_trim() hands every free page of every arena back, one
// madvise(MADV_DONTNEED) per free range, under each arena's lock. After a
// burst of 2,000 TLS connections that is about 3,000 ranges and 60-80 ms of
// CPU, so it runs only once a worker's load has clearly gone down, never
// per connection, and one worker at a time (it covers every arena):
//
// - after a drop: once the worker's open connections have fallen to half of
//   their peak since the last release (and by at least kReleaseMinDrop),
//   when no connection has closed for kReleaseQuietNs, or at the latest
//   kReleaseMaxDelayNs after the drop (a load that keeps trickling down);
// - on an idle timer: kReleaseIdleNs after the first close since the last
//   release, once no connection has closed for kReleaseQuietNs, for what
//   smaller ups and downs left behind.
//
// ReleasePlan is that decision alone (counts and times in, "release now" or
// "ask again at" out); MemoryRelease runs it on a worker's loop with one
// one-shot timer, armed only while a release is pending.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstddef>
#include <cstdint>

namespace httpgate::gate {

constexpr int64_t kReleaseQuietNs = 1'000'000'000;
constexpr int64_t kReleaseMaxDelayNs = 5'000'000'000;
constexpr int64_t kReleaseIdleNs = 30'000'000'000;
// About 2 MiB of idle TLS connections: smaller drops wait for the idle timer.
constexpr size_t kReleaseMinDrop = 128;

class ReleasePlan {
 public:
  // A connection opened; `count` is the worker's open connections now.
  void opened(size_t count) {
    if (count > peak_) {
      peak_ = count;
    }
  }
  // A connection closed at `now` (CLOCK_MONOTONIC ns), leaving `count`.
  // Returns nextCheck().
  int64_t closed(size_t count, int64_t now);
  // Asked at `now` with `count` open: true when memory should be released
  // now (then call released()).
  bool due(size_t count, int64_t now);
  // When due() may next say yes; 0 when nothing is pending.
  int64_t nextCheck() const;
  // Memory was released with `count` connections open: the peak starts
  // again from there.
  void released(size_t count);

  int64_t lastClose() const { return lastClose_; }

 private:
  bool dropped(size_t count) const {
    return peak_ >= count + kReleaseMinDrop && count * 2 <= peak_;
  }

  size_t peak_ = 0;         // most connections open since the last release
  int64_t lastClose_ = 0;   // 0: none yet
  int64_t dropSince_ = 0;   // when the count fell well below the peak; 0: it has not
  int64_t firstClose_ = 0;  // the first close since the last release; 0: none
};

class MemoryRelease {
 public:
  // Arms nothing yet; `base` is the worker's loop, `worker` its index (for
  // the log).
  MemoryRelease(event_base* base, unsigned worker);
  ~MemoryRelease();
  MemoryRelease(const MemoryRelease&) = delete;
  MemoryRelease& operator=(const MemoryRelease&) = delete;

  // The worker's open connections after an accept or a close. Cheap: a
  // compare, and on a close a clock read; the timer moves at most when a
  // release becomes due earlier than planned.
  void opened(size_t count) {
    count_ = count;
    plan_.opened(count);
  }
  void closed(size_t count);

 private:
  static void onTimer(evutil_socket_t, short, void* arg);
  void fire();
  void arm(int64_t at, int64_t now);
  void release();

  event timer_{};
  unsigned worker_;
  ReleasePlan plan_;
  size_t count_ = 0;
  int64_t armedAt_ = 0;  // when the timer fires; 0: not armed
};

}  // namespace httpgate::gate
