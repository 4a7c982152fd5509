// Behaviour bounds for the gate's timeouts: an answer that a timeout causes
// comes neither before the timeout nor long after it. Tests give each
// timeout its own value, far enough apart that one timeout standing in for
// another falls outside these bounds.
#pragma once

#include <gtest/gtest.h>

#include "tests/support/deadline.h"

namespace httpgate::test {

// How late a timeout may act on a loaded two-core machine. Well below the
// gaps between the timeouts a test configures.
inline constexpr Millis kTimeoutSlack{700};
// How early it may seem to act: the gate reads CLOCK_MONOTONIC_COARSE,
// which lags the test's clock by up to one tick (4 ms at HZ=250, 10 ms at
// HZ=100).
inline constexpr Millis kClockTick{10};

// Success when `elapsed`, measured by the test from before it caused the
// wait, lies in [timeout - kClockTick, timeout + slack].
::testing::AssertionResult endedByTimeout(Clock::duration elapsed, Millis timeout,
                                          Millis slack = kTimeoutSlack);

}  // namespace httpgate::test
