// Passive host health (gate/host_health.cpp): when a host is marked down,
// the single probe per period, what marks it up again, and how the registry
// keeps a host's state across configurations.
#include "gate/proxy/host_health.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

namespace httpgate::gate {
namespace {

constexpr HostHealthSettings kTwoFailuresOneSecond{2, 1000};

// Reports `count` non-probe failures at `nowMs`.
void fail(HostHealth& host, int count, int64_t nowMs) {
  for (int i = 0; i < count; ++i) {
    host.report(HostVerdict::Unreachable, false, nowMs);
  }
}

TEST(HostHealth, UpAdmitsEveryConnect) {
  HostHealth host("10.0.0.5", kTwoFailuresOneSecond);
  EXPECT_TRUE(host.up());
  EXPECT_EQ(host.admit(0), HostAdmission::Connect);
  EXPECT_EQ(host.admit(0), HostAdmission::Connect);
  EXPECT_EQ(host.name(), "10.0.0.5");
}

TEST(HostHealth, MarkedDownAfterFailAfterConsecutiveFailures) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 1, 100);
  EXPECT_TRUE(host.up());
  EXPECT_EQ(host.admit(100), HostAdmission::Connect);
  fail(host, 1, 200);
  EXPECT_FALSE(host.up());
  EXPECT_EQ(host.admit(200), HostAdmission::Down);
  EXPECT_EQ(host.admit(1199), HostAdmission::Down);
}

TEST(HostHealth, AnAliveConnectResetsTheCount) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 1, 0);
  host.report(HostVerdict::Alive, false, 0);  // e.g. a refused port: the machine answers
  fail(host, 1, 0);
  EXPECT_TRUE(host.up());
  fail(host, 1, 0);
  EXPECT_FALSE(host.up());
}

TEST(HostHealth, UnknownOutcomesNeitherCountNorReset) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 1, 0);
  host.report(HostVerdict::Unknown, false, 0);
  EXPECT_TRUE(host.up());
  fail(host, 1, 0);
  EXPECT_FALSE(host.up());
}

TEST(HostHealth, OneProbePerPeriodAndAFailedProbeStartsAnother) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 2, 1000);  // down at 1000: first probe at 2000
  EXPECT_EQ(host.admit(1999), HostAdmission::Down);
  EXPECT_EQ(host.admit(2000), HostAdmission::Probe);
  EXPECT_EQ(host.admit(2000), HostAdmission::Down) << "a second probe while one is under way";
  EXPECT_EQ(host.admit(9000), HostAdmission::Down) << "a second probe while one is under way";
  host.report(HostVerdict::Unreachable, true, 2300);  // the probe timed out: next at 3300
  EXPECT_FALSE(host.up());
  EXPECT_EQ(host.admit(3299), HostAdmission::Down);
  EXPECT_EQ(host.admit(3300), HostAdmission::Probe);
  host.report(HostVerdict::Alive, true, 3310);
  EXPECT_TRUE(host.up());
  EXPECT_EQ(host.admit(3310), HostAdmission::Connect);
  // Up again with a clean count: it takes fail_after failures to go down.
  fail(host, 1, 3400);
  EXPECT_TRUE(host.up());
}

TEST(HostHealth, AProbeWithoutAnOutcomeFreesTheSlotAtOnce) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 2, 0);
  EXPECT_EQ(host.admit(1000), HostAdmission::Probe);
  host.report(HostVerdict::Unknown, true, 1100);  // the client went away meanwhile
  EXPECT_FALSE(host.up());
  EXPECT_EQ(host.admit(1100), HostAdmission::Probe);
}

TEST(HostHealth, LateFailuresWhileDownDoNotPostponeTheProbe) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 2, 0);
  fail(host, 3, 900);  // connects admitted before the host went down
  EXPECT_EQ(host.admit(1000), HostAdmission::Probe);
}

TEST(HostHealth, AnyConnectThatShowsTheHostAliveMarksItUp) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 2, 0);
  host.report(HostVerdict::Alive, false, 10);  // admitted before it went down
  EXPECT_TRUE(host.up());
  EXPECT_EQ(host.admit(10), HostAdmission::Connect);
}

TEST(HostHealth, NewSettingsApplyToTheNextDecision) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 2, 0);
  host.configure({5, 200});
  EXPECT_EQ(host.admit(1000), HostAdmission::Probe) << "the period already running is kept";
  host.report(HostVerdict::Alive, true, 1000);
  fail(host, 4, 1000);
  EXPECT_TRUE(host.up());
  fail(host, 1, 1000);
  EXPECT_FALSE(host.up());
  EXPECT_EQ(host.admit(1199), HostAdmission::Down);
  EXPECT_EQ(host.admit(1200), HostAdmission::Probe);
}

// Every worker asks at once when the probe is due: exactly one goes.
TEST(HostHealth, ExactlyOneProbeAcrossThreads) {
  HostHealth host("h", kTwoFailuresOneSecond);
  fail(host, 2, 0);
  std::atomic<int> probes{0};
  std::atomic<int> down{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) {
      }
      for (int i = 0; i < 1000; ++i) {
        (host.admit(5000) == HostAdmission::Probe ? probes : down)++;
      }
    });
  }
  go = true;
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(probes.load(), 1);
  EXPECT_EQ(down.load(), 7999);
}

TEST(HostHealth, ConnectErrors) {
  EXPECT_EQ(verdictOfConnectError(ECONNREFUSED), HostVerdict::Alive);
  EXPECT_EQ(verdictOfConnectError(0), HostVerdict::Alive);
  for (int error : {ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN}) {
    EXPECT_EQ(verdictOfConnectError(error), HostVerdict::Unreachable) << error;
  }
  for (int error : {EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS, EACCES}) {
    EXPECT_EQ(verdictOfConnectError(error), HostVerdict::Unknown) << error;
  }
}

TEST(HostAttempt, EmptyForUncheckedHosts) {
  HostAttempt attempt;
  EXPECT_TRUE(attempt.begin(nullptr));
  attempt.finish(HostVerdict::Unreachable);  // nothing to tell
}

TEST(HostAttempt, ReportsOnceAndAnAbandonedProbeFreesItsSlot) {
  auto host = std::make_shared<HostHealth>("h", HostHealthSettings{1, 1});
  {
    HostAttempt attempt;
    ASSERT_TRUE(attempt.begin(host));
    attempt.finish(HostVerdict::Unreachable);
    attempt.finish(HostVerdict::Alive);  // already ended: ignored
  }
  EXPECT_FALSE(host->up());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past down_for (1 ms)
  {
    HostAttempt probe;
    ASSERT_TRUE(probe.begin(host));  // the probe
    HostAttempt other;
    EXPECT_FALSE(other.begin(host)) << "a second probe while one is under way";
  }  // the probe ends without an outcome
  HostAttempt next;
  EXPECT_TRUE(next.begin(host)) << "the abandoned probe kept its slot";
  next.finish(HostVerdict::Alive);
  EXPECT_TRUE(host->up());
}

// routes.hosts of a config: `names` in order, each with fail_after 2.
Config configWithHosts(const std::vector<std::string>& names) {
  Config config;
  for (size_t i = 0; i < names.size(); ++i) {
    HostRange range;
    range.range = {static_cast<uint16_t>(20000 + i), static_cast<uint16_t>(20000 + i)};
    range.host.name = names[i];
    range.failAfter = 2;
    config.routes.hosts.push_back(range);
  }
  return config;
}

TEST(HostHealthRegistry, RangesOfOneHostShareOneState) {
  HostHealthRegistry registry;
  const Config config = configWithHosts({"a", "b", "a"});
  const auto set = registry.prepare(config);
  ASSERT_EQ(set->hosts().size(), 2u);
  EXPECT_EQ(set->hosts()[0]->name(), "a");
  EXPECT_EQ(set->hosts()[1]->name(), "b");
  EXPECT_EQ(set->find(&config.routes.hosts[0].host), set->hosts()[0]);
  EXPECT_EQ(set->find(&config.routes.hosts[1].host), set->hosts()[1]);
  EXPECT_EQ(set->find(&config.routes.hosts[2].host), set->hosts()[0]);
  EXPECT_EQ(set->find(&config.routes.backend), nullptr) << "routes.backend is not checked";
}

TEST(HostHealthRegistry, AHostKeepsItsStateAcrossAReload) {
  HostHealthRegistry registry;
  EXPECT_EQ(registry.current(), nullptr);
  const Config first = configWithHosts({"a", "b"});
  const auto firstSet = registry.prepare(first);
  registry.publish(firstSet);
  EXPECT_EQ(registry.current(), firstSet);
  fail(*firstSet->hosts()[0], 2, 0);
  ASSERT_FALSE(firstSet->hosts()[0]->up());

  Config second = configWithHosts({"c", "a"});
  second.routes.hosts[1].failAfter = 7;
  const auto secondSet = registry.prepare(second);
  EXPECT_EQ(registry.current(), firstSet) << "prepare() publishes nothing";
  ASSERT_EQ(secondSet->hosts().size(), 2u);
  EXPECT_TRUE(secondSet->hosts()[0]->up()) << "a new host starts up";
  EXPECT_EQ(secondSet->hosts()[1], firstSet->hosts()[0]);
  EXPECT_FALSE(secondSet->hosts()[1]->up()) << "a host that stays keeps its state";

  registry.publish(secondSet);
  EXPECT_EQ(registry.current(), secondSet);
  // fail_after 7 applies from the publication on.
  HostHealth& a = *secondSet->hosts()[1];
  a.report(HostVerdict::Alive, false, 0);
  fail(a, 6, 0);
  EXPECT_TRUE(a.up());
  fail(a, 1, 0);
  EXPECT_FALSE(a.up());
}

}  // namespace
}  // namespace httpgate::gate
