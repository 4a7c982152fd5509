// The slowest recent requests of a worker: the ten slowest of the current
// and the previous five-minute window, slowest first; the threshold that
// spares the mutex for requests faster than all ten; the path without its
// query, truncated without overflowing.
#include "gate/telemetry/slow_requests.h"

#include <gtest/gtest.h>

#include <string>

namespace httpgate::gate {
namespace {

// A window's start, aligned as the table aligns its windows.
constexpr int64_t kStart = 1'000'200;  // a multiple of 300
static_assert(kStart % SlowRequests::kWindowSeconds == 0);

SlowRequest request(const std::string& path, uint64_t durationUs, int64_t startedAt = kStart) {
  SlowRequest r;
  r.setRequest("GET", path);
  r.durationUs = durationUs;
  r.startedAt = startedAt;
  r.status = 200;
  return r;
}

// Offers `r` as the worker does: through wouldKeep() first.
void offer(SlowRequests& table, const SlowRequest& r, int64_t nowSeconds) {
  if (table.wouldKeep(r.durationUs, nowSeconds)) {
    table.keep(r, nowSeconds);
  }
}

TEST(SlowRequestsTest, KeepsTheTenSlowestSlowestFirst) {
  SlowRequests table;
  for (uint64_t i = 1; i <= 30; ++i) {
    // 1..30 ms, in an order that is neither rising nor falling.
    offer(table, request("/r" + std::to_string((i * 7) % 31), ((i * 7) % 31) * 1000), kStart + 1);
  }
  const std::vector<SlowRequest> kept = table.recent(kStart + 2);
  ASSERT_EQ(kept.size(), SlowRequests::kKept);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].durationUs, (30 - i) * 1000) << i;
    EXPECT_EQ(std::string(kept[i].path), "/r" + std::to_string(30 - i));
  }
}

TEST(SlowRequestsTest, AFullTableSparesFasterRequestsTheLock) {
  SlowRequests table;
  EXPECT_TRUE(table.wouldKeep(1, kStart)) << "an empty table takes anything";
  for (uint64_t i = 0; i < SlowRequests::kKept; ++i) {
    offer(table, request("/x", 100 + i), kStart);
  }
  EXPECT_FALSE(table.wouldKeep(100, kStart + 10));
  EXPECT_TRUE(table.wouldKeep(101, kStart + 10));
  // A new window takes anything again.
  EXPECT_TRUE(table.wouldKeep(1, kStart + SlowRequests::kWindowSeconds));
}

TEST(SlowRequestsTest, ThePreviousWindowStaysVisibleAndOlderOnesGo) {
  SlowRequests table;
  offer(table, request("/first-window", 9000), kStart + 10);
  offer(table, request("/second-window", 5000), kStart + 310);
  std::vector<SlowRequest> kept = table.recent(kStart + 320);
  ASSERT_EQ(kept.size(), 2U);
  EXPECT_STREQ(kept[0].path, "/first-window");
  EXPECT_STREQ(kept[1].path, "/second-window");

  // A third window: the first is gone, the second is the previous one.
  offer(table, request("/third-window", 1000), kStart + 610);
  kept = table.recent(kStart + 620);
  ASSERT_EQ(kept.size(), 2U);
  EXPECT_STREQ(kept[0].path, "/second-window");
  EXPECT_STREQ(kept[1].path, "/third-window");

  // Nothing for more than a window: what was kept has aged out.
  EXPECT_TRUE(table.recent(kStart + 1200).empty());
}

TEST(SlowRequestsTest, ThePathLosesItsQueryAndLongOnesAreCut) {
  SlowRequest r;
  r.setRequest("PROPFIND", "/12345/abc~/page?secret=token&x=1");
  EXPECT_STREQ(r.method, "PROPFIND");
  EXPECT_STREQ(r.path, "/12345/abc~/page");
  EXPECT_FALSE(r.pathTruncated);

  const std::string longPath = "/" + std::string(500, 'a');
  r.setRequest(std::string(40, 'M'), longPath + "?q");
  EXPECT_EQ(std::string(r.path), longPath.substr(0, SlowRequest::kPathBytes - 1));
  EXPECT_TRUE(r.pathTruncated);
  EXPECT_EQ(std::string(r.method), std::string(SlowRequest::kMethodBytes - 1, 'M'));
}

}  // namespace
}  // namespace httpgate::gate
