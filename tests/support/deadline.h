// A point in time that bounds a wait. Every loop and blocking call of the
// harness takes one, so a broken gate makes a test fail, never hang.
#pragma once

#include <chrono>

namespace httpgate::test {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// The default bound of one network exchange in the tests.
inline constexpr Millis kIoTimeout{5000};

class Deadline {
 public:
  explicit Deadline(Millis budget) : end_(Clock::now() + budget) {}

  bool expired() const { return Clock::now() >= end_; }
  // Time left, never negative.
  Millis remaining() const {
    auto left = std::chrono::duration_cast<Millis>(end_ - Clock::now());
    return left.count() > 0 ? left : Millis{0};
  }
  Clock::time_point end() const { return end_; }

 private:
  Clock::time_point end_;
};

}  // namespace httpgate::test
