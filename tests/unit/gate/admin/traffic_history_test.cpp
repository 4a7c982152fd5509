// The status page's traffic history: per-second differences of the sampled
// counters, oldest first, at most 15 minutes of them, and the last
// minute's handshakes.
#include "gate/admin/traffic_history.h"

#include <gtest/gtest.h>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

TrafficSample at(int64_t seconds, uint64_t ok, uint64_t failed, uint64_t handshakes) {
  TrafficSample sample;
  sample.atSeconds = seconds;
  sample.requests[static_cast<size_t>(StatusClass::C2xx)] = ok;
  sample.requests[static_cast<size_t>(StatusClass::C5xx)] = failed;
  sample.bytesIn = ok * 100;
  // Two listeners: the second has a third of the first's handshakes.
  sample.handshakes.resize(2);
  sample.handshakes[0].completed = handshakes;
  sample.handshakes[0].failed[static_cast<size_t>(HandshakeFailure::Timeout)] = handshakes / 10;
  sample.handshakes[1].completed = handshakes / 3;
  sample.handshakes[1].failed[static_cast<size_t>(HandshakeFailure::Protocol)] = handshakes / 30;
  return sample;
}

TEST(TrafficHistoryTest, PerSecondDifferencesOldestFirst) {
  TrafficHistory history;
  history.add(at(100, 10, 0, 0));
  history.add(at(101, 15, 1, 0));
  history.add(at(102, 15, 3, 0));
  const json series = history.series();
  EXPECT_EQ(series["interval_seconds"], 1);
  EXPECT_EQ(series["at"], json::array({101, 102}));
  EXPECT_EQ(series["requests"]["2xx"], json::array({5, 0}));
  EXPECT_EQ(series["requests"]["5xx"], json::array({1, 2}));
  EXPECT_EQ(series["requests"]["1xx"], json::array({0, 0}));
  EXPECT_EQ(series["bytes_in"], json::array({500, 0}));
}

TEST(TrafficHistoryTest, KeepsFifteenMinutes) {
  TrafficHistory history;
  for (int64_t second = 0; second < 2000; ++second) {
    history.add(at(second, static_cast<uint64_t>(second) * 2, 0, 0));
  }
  const json series = history.series();
  ASSERT_EQ(series["at"].size(), 900U);
  EXPECT_EQ(series["at"].front(), 1100);
  EXPECT_EQ(series["at"].back(), 1999);
  EXPECT_EQ(series["requests"]["2xx"].front(), 2);
}

TEST(TrafficHistoryTest, TheLastMinute) {
  TrafficHistory history;
  EXPECT_EQ(history.lastMinute()["seconds"], 0);
  for (int64_t second = 0; second <= 90; ++second) {
    history.add(at(second, 0, 0, static_cast<uint64_t>(second) * 10));
  }
  const json minute = history.lastMinute();
  EXPECT_EQ(minute["seconds"], 60);
  EXPECT_EQ(minute["handshakes"], 600 + 200);  // 900 - 300 on the first, 300 - 100
  EXPECT_EQ(minute["failures"]["timeout"], 60);
  EXPECT_EQ(minute["failures"]["protocol"], 20);
  EXPECT_EQ(minute["failures"]["closed"], 0);

  const json first = history.lastMinute(0);
  EXPECT_EQ(first["handshakes"], 600);
  EXPECT_EQ(first["failures"]["timeout"], 60);
  EXPECT_EQ(first["failures"]["protocol"], 0);
  const json second = history.lastMinute(1);
  EXPECT_EQ(second["seconds"], 60);
  EXPECT_EQ(second["handshakes"], 200);
  EXPECT_EQ(second["failures"]["timeout"], 0);
  EXPECT_EQ(second["failures"]["protocol"], 20);
}

}  // namespace
}  // namespace httpgate::gate
