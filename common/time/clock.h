// The monotonic clocks of the gate and the library, in the units each user
// needs. CLOCK_MONOTONIC never jumps with the wall clock; the coarse variant
// is the one of the last timer tick (a few milliseconds old) and costs no
// system call, which is what per-event bookkeeping such as connection
// timeouts wants.
#pragma once

#include <cstdint>
#include <ctime>

namespace httpgate::clock {

inline int64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t monotonicUs() {
  return monotonicNs() / 1'000;
}

inline int64_t monotonicMs() {
  return monotonicNs() / 1'000'000;
}

// Milliseconds on CLOCK_MONOTONIC_COARSE: for timeouts of seconds.
inline int64_t coarseMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace httpgate::clock
