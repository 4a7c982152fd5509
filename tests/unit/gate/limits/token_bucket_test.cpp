// The request token bucket of limits.per_client.requests with a clock the
// test sets: a full bucket, refill at the rate up to the burst, a burst
// lowered by a reload, and the Retry-After seconds (gate/limits/token_bucket.h).
#include "gate/limits/token_bucket.h"

#include <gtest/gtest.h>

namespace httpgate::gate {
namespace {

TEST(TokenBucketTest, ANewBucketHoldsTheBurst) {
  TokenBucket bucket(1000);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(bucket.take(1000, 2.0, 5), 0u) << i;
  }
  EXPECT_NE(bucket.take(1000, 2.0, 5), 0u);
}

TEST(TokenBucketTest, RefillsAtTheRateUpToTheBurst) {
  TokenBucket bucket(0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(bucket.take(0, 2.0, 3), 0u);
  }
  EXPECT_NE(bucket.take(0, 2.0, 3), 0u);
  // 2 per second: one token after 500 ms, not before.
  EXPECT_NE(bucket.take(499, 2.0, 3), 0u);
  EXPECT_EQ(bucket.take(500, 2.0, 3), 0u);
  EXPECT_NE(bucket.take(500, 2.0, 3), 0u);
  // A long pause fills it to the burst, no further.
  EXPECT_EQ(bucket.take(100'000, 2.0, 3), 0u);
  EXPECT_EQ(bucket.take(100'000, 2.0, 3), 0u);
  EXPECT_EQ(bucket.take(100'000, 2.0, 3), 0u);
  EXPECT_NE(bucket.take(100'000, 2.0, 3), 0u);
}

TEST(TokenBucketTest, AClockReadingOlderThanTheLastAddsNothing) {
  TokenBucket bucket(1000);
  ASSERT_EQ(bucket.take(1000, 1.0, 1), 0u);
  EXPECT_NE(bucket.take(990, 1.0, 1), 0u);
  EXPECT_NE(bucket.take(1000, 1.0, 1), 0u);
  EXPECT_EQ(bucket.take(2000, 1.0, 1), 0u);
}

TEST(TokenBucketTest, ALoweredBurstCapsAFullBucket) {
  TokenBucket bucket(0);
  ASSERT_EQ(bucket.take(0, 1.0, 10), 0u);  // 9 left
  // A reload lowered the burst to 2: at most 2 from now on.
  EXPECT_EQ(bucket.take(0, 1.0, 2), 0u);
  EXPECT_EQ(bucket.take(0, 1.0, 2), 0u);
  EXPECT_NE(bucket.take(0, 1.0, 2), 0u);
}

TEST(TokenBucketTest, RetryAfterIsTheWholeSecondsUntilAToken) {
  // 1 per 10 s (6/m), an empty bucket: 10 s.
  TokenBucket slow(0);
  ASSERT_EQ(slow.take(0, 0.1, 1), 0u);
  EXPECT_EQ(slow.take(0, 0.1, 1), 10u);
  // 4 s later, 6 s to go.
  EXPECT_EQ(slow.take(4000, 0.1, 1), 6u);
  // 4.5 s later, 5.5 s to go: rounded up to 6, never down.
  TokenBucket half(0);
  ASSERT_EQ(half.take(0, 0.1, 1), 0u);
  EXPECT_EQ(half.take(4500, 0.1, 1), 6u);
  // Fast rates wait less than a second: Retry-After is still 1.
  TokenBucket fast(0);
  ASSERT_EQ(fast.take(0, 100.0, 1), 0u);
  EXPECT_EQ(fast.take(0, 100.0, 1), 1u);
}

TEST(TokenBucketTest, SecondsUntilToken) {
  EXPECT_EQ(secondsUntilToken(0.0, 1.0), 1u);
  EXPECT_EQ(secondsUntilToken(0.0, 0.5), 2u);
  EXPECT_EQ(secondsUntilToken(0.25, 0.5), 2u);  // 1.5 s, rounded up
  EXPECT_EQ(secondsUntilToken(0.999, 1000.0), 1u);
  EXPECT_EQ(secondsUntilToken(0.0, 1.0 / 3600), 3600u);  // 1/h
}

}  // namespace
}  // namespace httpgate::gate
