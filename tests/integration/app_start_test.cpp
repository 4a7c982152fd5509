// On-demand application start: an app with a start command that does not
// listen is started by the gate (through its start helper) as the app's
// user, in its directory, with its output appended to its log, once for any
// number of concurrent first requests; failures and timeouts give 503; the
// other connections keep flowing while an app starts.
//
// The app is a shell script that notes each start in a file (with its
// environment), waits a moment, then becomes the echo backend on $PORT.
// As root the apps run as a dedicated unprivileged user (created here if
// missing), and the gate is started with supplementary groups that the app
// must not inherit; otherwise the apps run as the user running the tests.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_process.h"
#include "tests/support/gate_test.h"
#include "tests/support/proc_info.h"
#include "tests/support/supplementary_groups.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

constexpr const char* kTestUser = "httpgate-test";

constexpr std::string_view kAppScript = R"sh(#!/bin/sh
# A test app: notes its start and environment, pauses, then serves $PORT.
echo "start pid=$$ user=$(id -un) NAME=$NAME PORT=$PORT HOME=$HOME LANG=$LANG dir=$(pwd)" >> "$1"
sleep "$2"
exec "$3" "$PORT"
)sh";

// The user the apps run as, or "" (with `why`) when there is none.
std::string appUser(std::string& why) {
  if (geteuid() != 0) {
    const passwd* self = getpwuid(geteuid());
    if (self == nullptr || self->pw_gid == 0) {
      why = "the test user has no passwd entry or gid 0";
      return {};
    }
    return self->pw_name;
  }
  if (getpwnam(kTestUser) == nullptr) {
    // Parallel test processes may race here; whoever loses finds it made.
    int rc = std::system(
        "useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "
        "httpgate-test >/dev/null 2>&1");
    (void)rc;
  }
  if (getpwnam(kTestUser) == nullptr) {
    why = "cannot create the user httpgate-test (useradd from the passwd package)";
    return {};
  }
  return kTestUser;
}

class AppStartTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    user_ = appUser(skipReason_);
    if (user_.empty()) {
      GTEST_SKIP() << skipReason_;
    }
    // A directory the app's user can write its log and notes into.
    appDir_ = dir_.file("app");
    ASSERT_EQ(mkdir(appDir_.c_str(), 0777), 0);
    ASSERT_EQ(chmod(appDir_.c_str(), 0777), 0);
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    script_ = appDir_ + "/app.sh";
    writeFile(script_, kAppScript);
    chmod(script_.c_str(), 0755);
    starts_ = appDir_ + "/starts.txt";
    appPort_ = refusingPort();
    if (geteuid() == 0) {
      // Every gate of the test starts with groups its apps must not get.
      groups_ = std::make_unique<SupplementaryGroups>(kForeignGroups);
      ASSERT_TRUE(groups_->ok()) << groups_->error();
    }
  }

  void TearDown() override {
    // The apps run in their own sessions, outside the gate's process tree.
    for (pid_t pid : startedPids()) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
    GateTest::TearDown();
  }

  // An app `shop` on appPort_ whose command is `command` (YAML flow list).
  std::string appYaml(std::string_view command, std::string_view wait = "10s") {
    return fillIn(R"(  apps:
    shop:
      port: {port}
      start:
        user: {user}
        dir: {dir}
        log: shop.log
        command: {command}
        env: {LANG: C.UTF-8, EXTRA: "yes"}
        wait: {wait}
)",
                  {{"port", std::to_string(appPort_)},
                   {"user", user_},
                   {"dir", appDir_},
                   {"command", std::string(command)},
                   {"wait", std::string(wait)}});
  }

  // The command that starts the echo backend after `delay` seconds.
  std::string echoApp(std::string_view delay) {
    return "[/bin/sh, " + script_ + ", " + starts_ + ", \"" + std::string(delay) + "\", " +
           HTTPGATE_ECHO_BACKEND + "]";
  }

  std::vector<std::string> startLines() const {
    std::vector<std::string> lines;
    std::istringstream in(readFile(starts_).value_or(""));
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
    return lines;
  }

  std::vector<pid_t> startedPids() const {
    std::vector<pid_t> pids;
    static const std::regex kPid("pid=([0-9]+)");
    for (const std::string& line : startLines()) {
      std::smatch match;
      if (std::regex_search(line, match, kPid)) {
        pids.push_back(static_cast<pid_t>(std::stoi(match[1])));
      }
    }
    return pids;
  }

  std::string user_;
  std::string skipReason_;
  std::string appDir_;
  std::string script_;
  std::string starts_;
  uint16_t appPort_ = 0;
  Backend backend_;
  std::unique_ptr<SupplementaryGroups> groups_;
};

TEST_F(AppStartTest, TwentyConcurrentFirstRequestsStartTheAppOnce) {
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend_.port(), appYaml(echoApp("0.5")))));
  constexpr int kClients = 20;
  std::vector<HttpResponse> responses(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client client = Client::tls(tlsPort());
      if (client.connected()) {
        responses[i] =
            client.exchange(getRequest("/shop/page" + std::to_string(i)), false, Millis{20'000});
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(responses[i].complete) << i << ": " << responses[i].describe();
    EXPECT_EQ(responses[i].status, 200) << responses[i].describe();
    // The echo backend shows the request it got: the app saw its own path.
    EXPECT_NE(responses[i].body.find("<pre>GET /page" + std::to_string(i) + "\n"),
              std::string::npos)
        << responses[i].body;
  }
  const std::vector<std::string> lines = startLines();
  ASSERT_EQ(lines.size(), 1u) << readFile(starts_).value_or("");
  const std::string& line = lines[0];
  EXPECT_NE(line.find("user=" + user_ + " "), std::string::npos) << line;
  EXPECT_NE(line.find("NAME=shop "), std::string::npos) << line;
  EXPECT_NE(line.find("PORT=" + std::to_string(appPort_) + " "), std::string::npos) << line;
  EXPECT_NE(line.find("HOME=" + std::string(getpwnam(user_.c_str())->pw_dir) + " "),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("LANG=C.UTF-8 "), std::string::npos) << line;
  EXPECT_NE(line.find("dir=" + appDir_), std::string::npos) << line;
  // Its output went to its log, in its directory, created as its user.
  const std::string log = readFile(appDir_ + "/shop.log").value_or("");
  EXPECT_NE(log.find("listening on 127.0.0.1:" + std::to_string(appPort_)), std::string::npos)
      << log;
  struct stat info {};
  ASSERT_EQ(stat((appDir_ + "/shop.log").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, getpwnam(user_.c_str())->pw_uid);
  EXPECT_GE(gate().countLog(std::regex("app shop is running")), 1u) << gate().log();

  // Now it runs: the next request goes straight through, no new start.
  Client again = Client::tls(tlsPort());
  const HttpResponse response = again.exchange(getRequest("/shop/later"));
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(startLines().size(), 1u);
}

TEST_F(AppStartTest, TheAppRunsWithItsUsersIdsAndGroups) {
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend_.port(), appYaml(echoApp("0")))));
  Client client = Client::tls(tlsPort());
  const HttpResponse response = client.exchange(getRequest("/shop/ids"), false, Millis{20'000});
  ASSERT_EQ(response.status, 200) << response.describe();
  const std::vector<pid_t> pids = startedPids();
  ASSERT_EQ(pids.size(), 1u) << readFile(starts_).value_or("");
  const std::string status = "/proc/" + std::to_string(pids[0]) + "/status";
  const std::optional<ProcIds> ids = readIds(status);
  ASSERT_TRUE(ids) << status;
  const passwd* pw = getpwnam(user_.c_str());
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(ids->uids, std::vector<long>(4, pw->pw_uid)) << status;
  EXPECT_EQ(ids->gids, std::vector<long>(4, pw->pw_gid)) << status;
  std::vector<long> groups = ids->groups;
  std::sort(groups.begin(), groups.end());
  if (geteuid() == 0) {
    // initgroups(3) of the app's user: none of the gate's own groups.
    EXPECT_EQ(groups, groupsOfUser(user_, pw->pw_gid)) << status;
  } else {
    // Not root: the groups cannot change, the app has the test's.
    std::vector<gid_t> own(static_cast<size_t>(getgroups(0, nullptr)));
    own.resize(static_cast<size_t>(getgroups(static_cast<int>(own.size()), own.data())));
    std::vector<long> expected(own.begin(), own.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(groups, expected) << status;
  }
}

TEST_F(AppStartTest, TwoGatesStartTheAppOnceThroughTheLogLock) {
  const std::string yaml = standardGateYaml(cert_, backend_.port(), appYaml(echoApp("0.5")));
  ASSERT_NO_FATAL_FAILURE(startGate(yaml));
  TempDir otherDir;
  GateProcess other(otherDir, yaml);
  ASSERT_TRUE(other.ready()) << other.startError() << other.log();
  constexpr int kPerGate = 5;
  std::vector<HttpResponse> responses(2 * kPerGate);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kPerGate; ++i) {
    const uint16_t port = i % 2 == 0 ? tlsPort() : other.port(0);
    threads.emplace_back([&, i, port] {
      Client client = Client::tls(port);
      if (client.connected()) {
        responses[i] = client.exchange(getRequest("/shop/"), false, Millis{20'000});
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const HttpResponse& response : responses) {
    EXPECT_EQ(response.status, 200) << response.describe();
  }
  EXPECT_EQ(startLines().size(), 1u) << readFile(starts_).value_or("");
}

// httpGate's own form: the legacy command line with a names file whose
// line carries the start command.
TEST_F(AppStartTest, ANamesFileLineStartsItsAppInLegacyMode) {
  const std::string names = appDir_ + "/names";
  writeFile(names, "# name port user dir log command args\n@ " + std::to_string(backend_.port()) +
                       " " + user_ + " / ^\nshop/ins " + std::to_string(appPort_) + " " + user_ +
                       " " + appDir_ + " shop.log /bin/sh " + script_ + " " + starts_ + " 0.2 " +
                       HTTPGATE_ECHO_BACKEND + "\n");
  GateProcess legacy(std::vector<std::string>{"-f", "0", names}, dir_.path());
  ASSERT_TRUE(legacy.ready()) << legacy.startError();
  Client client = Client::plain(legacy.port(0));
  const HttpResponse response = client.exchange(getRequest("/shop/x"), false, Millis{20'000});
  ASSERT_EQ(response.status, 200) << response.describe() << legacy.log();
  EXPECT_NE(response.body.find("<pre>GET /ins/x\n"), std::string::npos) << response.body;
  ASSERT_EQ(startLines().size(), 1u);
  EXPECT_NE(startLines()[0].find("NAME=shop "), std::string::npos) << startLines()[0];
  // The default route is still the plain backend.
  EXPECT_EQ(client.exchange(getRequest("/other")).status, 200);
}

TEST_F(AppStartTest, OtherConnectionsFlowWhileAnAppStarts) {
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend_.port(), appYaml(echoApp("3")))));
  std::atomic<bool> appAnswered{false};
  HttpResponse appResponse;
  std::thread slow([&] {
    Client client = Client::tls(tlsPort());
    appResponse = client.exchange(getRequest("/shop/"), false, Millis{20'000});
    appAnswered = true;
  });
  // Once the start is under way, a request to another backend is answered
  // while the app's request still waits.
  ASSERT_TRUE(gate().waitForLog(std::regex("app shop does not answer"), Millis{10'000}))
      << gate().log();
  Client other = Client::tls(tlsPort());
  const HttpResponse response = other.exchange(getRequest("/elsewhere"));
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_FALSE(appAnswered.load()) << "the app answered before the other backend";
  slow.join();
  ASSERT_TRUE(appResponse.complete) << appResponse.describe();
  EXPECT_EQ(appResponse.status, 200);
}

TEST_F(AppStartTest, AnAppThatExitsGets503AndALogLine) {
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend_.port(), appYaml("[/bin/sh, -c, \"exit 3\"]"))));
  Client client = Client::tls(tlsPort());
  const HttpResponse response = client.exchange(getRequest("/shop/"), false, Millis{15'000});
  EXPECT_TRUE(isGateResponse(response, 503, false));
  EXPECT_TRUE(gate().waitForLog(
      std::regex("app shop: start failed: /bin/sh exited with status 3 before listening"),
      Millis{5'000}))
      << gate().log();
  // The connection stays usable.
  const HttpResponse next = client.exchange(getRequest("/elsewhere"));
  EXPECT_EQ(next.status, 200) << next.describe();
}

TEST_F(AppStartTest, AnAppThatNeverListensGets503AfterTheWait) {
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend_.port(), appYaml(echoApp("60"), "1s"))));
  Client client = Client::tls(tlsPort());
  const HttpResponse response = client.exchange(getRequest("/shop/"), false, Millis{15'000});
  EXPECT_TRUE(isGateResponse(response, 503, false));
  EXPECT_TRUE(gate().waitForLog(std::regex("app shop: start failed: not listening on port " +
                                           std::to_string(appPort_) + " after 1000 ms"),
                                Millis{5'000}))
      << gate().log();
}

TEST_F(AppStartTest, AProgramThatCannotRunGets503) {
  ASSERT_NO_FATAL_FAILURE(startGate(
      standardGateYaml(cert_, backend_.port(), appYaml("[" + appDir_ + "/no-such-program]"))));
  Client client = Client::tls(tlsPort());
  const HttpResponse response = client.exchange(getRequest("/shop/"), false, Millis{15'000});
  EXPECT_TRUE(isGateResponse(response, 503, false));
  const std::string log = readFile(appDir_ + "/shop.log").value_or("");
  EXPECT_NE(log.find("cannot run " + appDir_ + "/no-such-program for app shop"), std::string::npos)
      << log;
}

TEST_F(AppStartTest, PortsWithoutAStartCommandStill502) {
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend_.port(), appYaml(echoApp("0")))));
  Client client = Client::tls(tlsPort());
  const HttpResponse response =
      client.exchange(getRequest("/" + std::to_string(appPort_) + "/page"));
  EXPECT_TRUE(isGateResponse(response, 502, false));
  EXPECT_TRUE(startLines().empty());
}

}  // namespace
}  // namespace httpgate::test
