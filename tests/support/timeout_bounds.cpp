#include "tests/support/timeout_bounds.h"

namespace httpgate::test {

::testing::AssertionResult endedByTimeout(Clock::duration elapsed, Millis timeout, Millis slack) {
  const Millis ms = std::chrono::duration_cast<Millis>(elapsed);
  if (ms < timeout - kClockTick) {
    return ::testing::AssertionFailure() << "ended after " << ms.count() << " ms, before the "
                                         << timeout.count() << " ms timeout could expire";
  }
  if (ms > timeout + slack) {
    return ::testing::AssertionFailure()
           << "ended after " << ms.count() << " ms, not within " << slack.count() << " ms of the "
           << timeout.count() << " ms timeout";
  }
  return ::testing::AssertionSuccess() << "ended after " << ms.count() << " ms";
}

}  // namespace httpgate::test
