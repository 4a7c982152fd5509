// When a worker gives freed heap back to the system: the plan alone, with
// connection counts and times made up (no loop, no allocator).
#include "gate/proxy/memory_release.h"

#include <gtest/gtest.h>

namespace httpgate::gate {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 100 * kSecond;

// A plan that has seen `peak` connections open.
ReleasePlan planAfterPeak(size_t peak) {
  ReleasePlan plan;
  for (size_t count = 1; count <= peak; ++count) {
    plan.opened(count);
  }
  return plan;
}

TEST(ReleasePlan, NothingPendingBeforeAnyClose) {
  ReleasePlan plan = planAfterPeak(1000);
  EXPECT_EQ(plan.nextCheck(), 0);
  EXPECT_FALSE(plan.due(1000, kStart));
}

TEST(ReleasePlan, ReleasesOnceTheBurstHasClosedAndTheWorkerIsQuiet) {
  ReleasePlan plan = planAfterPeak(1000);
  int64_t now = kStart;
  for (size_t count = 999; count > 0; --count) {
    now += 1'000'000;  // one close a millisecond
    plan.closed(count, now);
  }
  const int64_t lastClose = plan.closed(0, now);
  EXPECT_EQ(lastClose, now + kReleaseQuietNs);
  EXPECT_FALSE(plan.due(0, now + kReleaseQuietNs - 1));
  EXPECT_TRUE(plan.due(0, now + kReleaseQuietNs));
  plan.released(0);
  EXPECT_EQ(plan.nextCheck(), 0);
}

TEST(ReleasePlan, TrickleOfClosesDelaysTheReleaseAtMostTheMaximumDelay) {
  ReleasePlan plan = planAfterPeak(1000);
  int64_t now = kStart;
  plan.closed(400, now);  // the drop
  const int64_t dropAt = now;
  for (size_t count = 399; count > 300; --count) {
    now += kReleaseQuietNs / 2;  // never quiet
    plan.closed(count, now);
    if (now < dropAt + kReleaseMaxDelayNs) {
      EXPECT_FALSE(plan.due(count, now));
    } else {
      EXPECT_TRUE(plan.due(count, now));
      break;
    }
  }
  EXPECT_EQ(plan.nextCheck(), dropAt + kReleaseMaxDelayNs);
}

TEST(ReleasePlan, SmallDropWaitsForTheIdleTimer) {
  ReleasePlan plan = planAfterPeak(100);
  plan.closed(10, kStart);  // 90 fewer: below kReleaseMinDrop
  EXPECT_EQ(plan.nextCheck(), kStart + kReleaseIdleNs);
  EXPECT_FALSE(plan.due(10, kStart + kReleaseQuietNs));
  EXPECT_TRUE(plan.due(10, kStart + kReleaseIdleNs));
}

TEST(ReleasePlan, IdleTimerWaitsForAQuietMoment) {
  ReleasePlan plan = planAfterPeak(100);
  plan.closed(99, kStart);
  const int64_t late = kStart + kReleaseIdleNs - 1;
  plan.closed(99, late);
  EXPECT_FALSE(plan.due(99, kStart + kReleaseIdleNs));
  EXPECT_EQ(plan.nextCheck(), late + kReleaseQuietNs);
}

TEST(ReleasePlan, ConnectionsComingBackCancelTheDropRelease) {
  ReleasePlan plan = planAfterPeak(1000);
  plan.closed(400, kStart);
  for (size_t count = 401; count <= 900; ++count) {
    plan.opened(count);
  }
  EXPECT_FALSE(plan.due(900, kStart + kReleaseQuietNs));
  EXPECT_EQ(plan.nextCheck(), kStart + kReleaseIdleNs);  // the idle timer remains
}

TEST(ReleasePlan, PeakStartsAgainAfterARelease) {
  ReleasePlan plan = planAfterPeak(1000);
  plan.closed(0, kStart);
  ASSERT_TRUE(plan.due(0, kStart + kReleaseQuietNs));
  plan.released(0);
  plan.opened(100);
  plan.closed(40, kStart + 2 * kSecond);  // half of 100, but fewer than kReleaseMinDrop
  EXPECT_EQ(plan.nextCheck(), kStart + 2 * kSecond + kReleaseIdleNs);
}

}  // namespace
}  // namespace httpgate::gate
