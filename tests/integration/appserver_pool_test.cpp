// The app-server's pool model (the notes app's --model pool): session
// processes forked in advance and handed a visitor's connection. What the
// tests count is processes, never time: the parent's children in /proc
// (ready processes plus sessions), the pid in each page's footer, and the
// "session on port" lines. A visitor served by a pid that was a child
// before the visit did not wait for a fork.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <latch>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/app_process.h"
#include "tests/support/app_session.h"
#include "tests/support/client.h"
#include "tests/support/poll.h"
#include "tests/support/proc_info.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

// A first visit and the page it leads to, as one visitor saw them.
struct Visit {
  int status = 0;  // of the first visit
  std::optional<SessionUrl> url;
  std::optional<ServedBy> served;  // the session page's footer
  std::string problem;             // what went wrong, for the message
};

// GET / on the app's port, then the session's page on its own port.
// Safe to run in several threads (no gtest assertions).
Visit visitAndLook(uint16_t appPort) {
  Visit visit;
  const HttpResponse first = firstVisit(appPort);
  visit.status = first.status;
  visit.url = parseSessionUrl(first.field("Location").value_or(""));
  if (!visit.url) {
    visit.problem = "first visit: " + first.describe();
    return visit;
  }
  Client client = Client::plain(visit.url->port);
  const HttpResponse page = client.exchange(getRequest(visit.url->prefix + "/"));
  visit.served = servedBy(page.body);
  if (page.status != 200 || !visit.served) {
    visit.problem = "session page: " + page.describe();
  }
  return visit;
}

std::set<pid_t> asSet(const std::vector<pid_t>& pids) {
  return {pids.begin(), pids.end()};
}

class AppserverPoolTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args, const std::string& binary = HTTPGATE_NOTES_APP) {
    args.insert(args.begin(), {"--model", "pool"});
    app_ = std::make_unique<AppProcess>(binary, std::move(args));
    ASSERT_TRUE(app_->ready()) << app_->log();
  }

  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr ----\n" << app_->log() << "---- end ----\n";
    }
  }

  // The parent's live children: its ready processes and its sessions.
  std::set<pid_t> children() const { return asSet(liveChildrenOf(app_->pid())); }

  // Waits until the parent has exactly `count` live children.
  bool waitForChildren(size_t count, Millis timeout = Millis{30'000}) const {
    return pollUntil([&] { return children().size() == count; }, timeout);
  }

  // Waits until the parent has exactly `count` children and every one of
  // them is waiting: asleep with its session port listening. A process
  // forked a moment ago is not ready yet (it binds its port, makes its id,
  // warms up, then reports to the parent); a visitor then would find the
  // pool empty. Seen twice in a row, so that the last report is in.
  bool waitForWaiting(size_t count, Millis timeout = Millis{30'000}) const {
    int seen = 0;
    return pollUntil(
        [&] {
          const std::set<pid_t> now = children();
          const std::set<unsigned long> listening = listeningTcpInodes();
          const bool all =
              now.size() == count && std::all_of(now.begin(), now.end(), [&](pid_t pid) {
                const std::set<unsigned long> sockets = socketInodes(pid);
                return processState(pid) == 'S' &&
                       std::any_of(sockets.begin(), sockets.end(), [&](unsigned long inode) {
                         return listening.count(inode) == 1;
                       });
              });
          seen = all ? seen + 1 : 0;
          return seen >= 2;
        },
        timeout);
  }

  // A visitor who must be served: their session's pid (0 after a failure).
  pid_t visitServed() {
    const Visit visit = visitAndLook(app_->port());
    EXPECT_EQ(visit.status, 303) << visit.problem;
    EXPECT_TRUE(visit.served.has_value()) << visit.problem;
    return visit.served ? visit.served->pid : 0;
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_F(AppserverPoolTest, FiftyConcurrentFirstVisitsAreServedByReadyProcesses) {
  constexpr size_t kVisitors = 50;
  ASSERT_NO_FATAL_FAILURE(start({"--pool-ready", "50", "--pool-max-ready", "50"}));
  ASSERT_TRUE(waitForWaiting(kVisitors, Millis{60'000})) << children().size() << " children";
  const std::set<pid_t> ready = children();

  std::vector<Visit> visits(kVisitors);
  std::latch go(1);
  std::vector<std::thread> visitors;
  for (size_t i = 0; i < kVisitors; ++i) {
    visitors.emplace_back([&, i] {
      go.wait();
      visits[i] = visitAndLook(app_->port());
    });
  }
  go.count_down();
  for (std::thread& visitor : visitors) {
    visitor.join();  // each visit is bounded by the clients' timeouts
  }

  std::set<std::string> ids;
  std::set<uint16_t> ports;
  std::set<pid_t> pids;
  for (const Visit& visit : visits) {
    EXPECT_EQ(visit.status, 303) << visit.problem;
    if (!visit.url || !visit.served) {
      ADD_FAILURE() << visit.problem;
      continue;
    }
    ids.insert(visit.url->id);
    ports.insert(visit.url->port);
    pids.insert(visit.served->pid);
    EXPECT_EQ(visit.served->port, visit.url->port);
    // Forked before the visits: nobody waited for a fork.
    EXPECT_EQ(ready.count(visit.served->pid), 1U) << "pid " << visit.served->pid;
  }
  EXPECT_EQ(ids.size(), kVisitors);
  EXPECT_EQ(ports.size(), kVisitors);
  // No process served two visitors.
  EXPECT_EQ(pids.size(), kVisitors);

  // One "session on port" line per visitor, each from the pid that served it.
  const std::regex opened(R"(session on port ([0-9]+) \(pid ([0-9]+)\) for )");
  ASSERT_TRUE(app_->err().waitForCount(opened, kVisitors, Millis{10'000}));
  EXPECT_EQ(app_->err().countLines(opened), kVisitors);
  for (const std::string& line : app_->err().lines()) {
    std::smatch match;
    if (std::regex_search(line, match, opened)) {
      EXPECT_EQ(pids.count(static_cast<pid_t>(std::stol(match[2]))), 1U) << line;
      EXPECT_EQ(ports.count(static_cast<uint16_t>(std::stoi(match[1]))), 1U) << line;
    }
  }
  EXPECT_EQ(app_->err().countLines(std::regex("pool empty")), 0U);
}

// A pool too small for the visitors runs dry again and again: visitors are
// then handed to processes still getting ready, often before the parent
// has read their ready report; the channel it closes with that report
// unread makes the kernel report a reset to the process before the
// visitor's connection queued for it. None of those visitors is lost.
TEST_F(AppserverPoolTest, VisitorsHandedToProcessesStillGettingReadyAreAllServed) {
  constexpr size_t kVisitors = 16;
  constexpr size_t kVisitsEach = 80;
  // Sessions end a moment after their page: the processes do not pile up.
  ASSERT_NO_FATAL_FAILURE(start(
      {"--pool-ready", "2", "--pool-max-ready", "2", "--timeout", "1", "--max-sessions", "5000"}));
  std::vector<std::vector<Visit>> visits(kVisitors);
  std::latch go(1);
  std::vector<std::thread> visitors;
  for (size_t i = 0; i < kVisitors; ++i) {
    visitors.emplace_back([&, i] {
      go.wait();
      for (size_t visit = 0; visit < kVisitsEach; ++visit) {
        visits[i].push_back(visitAndLook(app_->port()));
      }
    });
  }
  go.count_down();
  for (std::thread& visitor : visitors) {
    visitor.join();  // each visit is bounded by the clients' timeouts
  }
  size_t served = 0;
  for (const std::vector<Visit>& mine : visits) {
    for (const Visit& visit : mine) {
      if (visit.status == 303 && visit.served) {
        ++served;
      } else {
        ADD_FAILURE() << visit.problem;
      }
    }
  }
  EXPECT_EQ(served, kVisitors * kVisitsEach);
  EXPECT_GE(app_->err().countLines(std::regex("pool empty")), 1U) << "the pool never ran dry";
}

TEST_F(AppserverPoolTest, ThePoolRefillsAfterVisits) {
  ASSERT_NO_FATAL_FAILURE(start({"--pool-ready", "4"}));
  EXPECT_TRUE(app_->err().waitForLine(
      std::regex("model pool: 4 ready session processes \\(up to 16\\)"), Millis{5000}));
  ASSERT_TRUE(waitForWaiting(4)) << children().size() << " children";
  const std::set<pid_t> ready = children();

  const pid_t first = visitServed();
  const pid_t second = visitServed();
  ASSERT_NE(first, 0);
  ASSERT_NE(second, 0);
  EXPECT_NE(first, second);
  EXPECT_EQ(ready.count(first), 1U);
  // Two sessions and four ready processes again.
  EXPECT_TRUE(waitForChildren(6)) << children().size() << " children";
  const std::set<pid_t> now = children();
  EXPECT_EQ(now.count(first), 1U);
  EXPECT_EQ(now.count(second), 1U);
}

TEST_F(AppserverPoolTest, AKilledReadyProcessIsReplaced) {
  ASSERT_NO_FATAL_FAILURE(start({"--pool-ready", "4"}));
  ASSERT_TRUE(waitForWaiting(4)) << children().size() << " children";
  // The lowest pid: most likely the oldest, the next visitor's.
  const std::set<pid_t> ready = children();
  const pid_t victim = *ready.begin();
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_TRUE(pollUntil([&] { return processGone(victim); }, Millis{5000}));

  // Served at once, whether or not the parent has noticed yet.
  const pid_t served = visitServed();
  EXPECT_NE(served, 0);
  EXPECT_NE(served, victim);
  EXPECT_TRUE(app_->err().waitForLine(
      std::regex("ready process " + std::to_string(victim) + " killed by signal 9: replaced"),
      Millis{5000}));
  // One session and four ready processes, the victim not among them.
  EXPECT_TRUE(pollUntil(
      [&] {
        const std::set<pid_t> now = children();
        return now.size() == 5 && now.count(victim) == 0 && now.count(served) == 1;
      },
      Millis{30'000}))
      << children().size() << " children";
  EXPECT_NE(visitServed(), 0);
}

TEST_F(AppserverPoolTest, TimeSpentReadyIsNotTheSessionsIdleTime) {
  ASSERT_NO_FATAL_FAILURE(start({"--pool-ready", "1", "--timeout", "2"}));
  ASSERT_TRUE(waitForWaiting(1)) << children().size() << " children";
  // What is under test is time passing: the ready process waits longer
  // than the session timeout before its visitor comes.
  std::this_thread::sleep_for(Millis{3000});
  const Visit visit = visitAndLook(app_->port());
  ASSERT_TRUE(visit.served.has_value()) << visit.problem;
  // The session's idle time starts with its visitor: it is still there.
  Client client = Client::plain(visit.url->port);
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse summary = client.exchange(getRequest(visit.url->prefix + "/summary"));
  EXPECT_EQ(summary.status, 200) << summary.describe();
  EXPECT_EQ(app_->err().countLines(std::regex("ended: idle timeout")), 0U);
}

TEST_F(AppserverPoolTest, HupRetiresTheOldImagesReadyProcesses) {
  TempDir dir;
  const std::string binary = dir.file("notes-app");
  ASSERT_NO_FATAL_FAILURE(copyExecutable(HTTPGATE_NOTES_APP, binary));
  ASSERT_NO_FATAL_FAILURE(start({"--pool-ready", "4"}, binary));
  ASSERT_TRUE(waitForWaiting(4)) << children().size() << " children";
  const Visit old = visitAndLook(app_->port());
  ASSERT_TRUE(old.served.has_value()) << old.problem;
  EXPECT_EQ(old.served->build, "1");
  ASSERT_TRUE(waitForWaiting(5)) << children().size() << " children";
  std::set<pid_t> oldReady = children();
  oldReady.erase(old.served->pid);
  ASSERT_EQ(oldReady.size(), 4U);

  ASSERT_NO_FATAL_FAILURE(copyExecutable(HTTPGATE_NOTES_APP_NEXT, binary + ".new"));
  ASSERT_EQ(std::rename((binary + ".new").c_str(), binary.c_str()), 0);
  const size_t mark = app_->err().size();
  app_->sendSignal(SIGHUP);
  EXPECT_TRUE(app_->err().waitForLine(
      std::regex("HUP: re-executing .*1 sessions keep the old code, 4 ready processes retired"),
      Millis{10'000}, mark));
  ASSERT_TRUE(app_->err().waitForLine(std::regex("listening on .*adopted from the previous image"),
                                      Millis{10'000}, mark));
  // Every ready process of the old image ends.
  EXPECT_TRUE(pollUntil(
      [&] {
        return std::all_of(oldReady.begin(), oldReady.end(),
                           [](pid_t pid) { return processGone(pid); });
      },
      Millis{10'000}));

  std::set<pid_t> sessions{old.served->pid};
  for (int i = 0; i < 2; ++i) {
    const Visit fresh = visitAndLook(app_->port());
    ASSERT_TRUE(fresh.served.has_value()) << fresh.problem;
    EXPECT_EQ(fresh.served->build, "next");
    EXPECT_EQ(oldReady.count(fresh.served->pid), 0U);
    sessions.insert(fresh.served->pid);
  }
  // The old session still runs the old code.
  Client client = Client::plain(old.url->port);
  const HttpResponse page = client.exchange(getRequest(old.url->prefix + "/summary"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_EQ(servedBy(page.body).value_or(ServedBy{}).build, "1") << page.body;
  // The old session, the two new ones, and the new image's pool (at least
  // four: it may have grown when the first visitors found it still empty).
  EXPECT_TRUE(pollUntil(
      [&] {
        const std::set<pid_t> now = children();
        return now.size() >= sessions.size() + 4 &&
               std::all_of(sessions.begin(), sessions.end(),
                           [&](pid_t pid) { return now.count(pid) == 1; });
      },
      Millis{30'000}))
      << children().size() << " children";
}

TEST_F(AppserverPoolTest, ReadyProcessesCountAgainstTheSessionCap) {
  ASSERT_NO_FATAL_FAILURE(start({"--max-sessions", "2", "--pool-ready", "4"}));
  size_t most = 0;
  const auto count = [&] {
    const size_t now = children().size();
    most = std::max(most, now);
    return now;
  };
  ASSERT_TRUE(pollUntil([&] { return count() == 2; }, Millis{30'000})) << count() << " children";
  ASSERT_TRUE(waitForWaiting(2)) << count() << " children";
  const pid_t first = visitServed();
  const pid_t second = visitServed();
  ASSERT_NE(first, 0);
  ASSERT_NE(second, 0);
  EXPECT_NE(first, second);
  count();

  Client client = Client::plain(app_->port());
  const HttpResponse refused = client.exchange(getRequest("/"));
  EXPECT_EQ(refused.status, 503) << refused.describe();
  EXPECT_TRUE(refused.announcesClose()) << refused.describe();
  // A while of watching: the pool does not grow past the cap.
  for (int i = 0; i < 100; ++i) {
    count();
  }
  EXPECT_EQ(count(), 2U);
  EXPECT_LE(most, 2U);
}

}  // namespace
}  // namespace httpgate::test
