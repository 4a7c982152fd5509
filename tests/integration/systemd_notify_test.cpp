// Under systemd (Type=notify): the test plays the service manager with a
// datagram socket of its own in NOTIFY_SOCKET and checks what the gate
// tells it, in order — READY=1 once it serves, RELOADING=1 / READY=1 around
// a SIGHUP (a failed reload included), STOPPING=1 on SIGTERM, and after a
// SIGUSR2 upgrade the new process as MAINPID= with READY=1.
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/foreign_process.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/notify_socket.h"

namespace httpgate::test {
namespace {

constexpr Millis kWait{10'000};

uint64_t monotonicUsecNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

class SystemdNotifyTest : public GateTest {
 protected:
  std::string yaml() const {
    return standardGateYaml(cert_, backend_.port(), "", "log:\n  access: \"off\"\n");
  }

  void startNotifiedGate() {
    SpawnOptions spawn;
    spawn.env = {notify_.environment()};
    gate_ = std::make_unique<GateProcess>(
        dir_, yaml(), std::vector<std::string>{"{binary}", "-c", "{config}"}, spawn);
    ASSERT_TRUE(gate_->ready()) << gate_->startError();
  }

  // The next message; a fatal failure when none comes.
  NotifyMessage next(const std::string& after) {
    std::optional<NotifyMessage> message = notify_.next(kWait);
    if (!message) {
      ADD_FAILURE() << "no notification after " << after;
      return {};
    }
    return *message;
  }

  Backend backend_;
  NotifySocket notify_{dir_.file("notify")};
};

TEST_F(SystemdNotifyTest, ReadyReloadFailedReloadAndStopArriveInOrder) {
  ASSERT_NO_FATAL_FAILURE(startNotifiedGate());
  const pid_t pid = gate().pid();

  NotifyMessage ready = next("start");
  EXPECT_EQ(ready.get("READY"), "1") << ready.text;
  EXPECT_EQ(ready.sender, pid);
  EXPECT_EQ(ready.get("MAINPID"), std::to_string(pid)) << ready.text;
  const std::string serving = "127.0.0.1:" + std::to_string(tlsPort()) + " (tls)";
  EXPECT_NE(ready.get("STATUS").find(serving), std::string::npos) << ready.text;
  EXPECT_NE(ready.get("STATUS").find("2 workers"), std::string::npos) << ready.text;

  const uint64_t beforeHup = monotonicUsecNow();
  gate().sendSignal(SIGHUP);
  NotifyMessage reloading = next("SIGHUP");
  EXPECT_EQ(reloading.get("RELOADING"), "1") << reloading.text;
  ASSERT_TRUE(reloading.has("MONOTONIC_USEC")) << reloading.text;
  const uint64_t stamp = std::stoull(reloading.get("MONOTONIC_USEC"));
  EXPECT_GE(stamp, beforeHup);
  EXPECT_LE(stamp, monotonicUsecNow());
  NotifyMessage reloaded = next("RELOADING=1");
  EXPECT_EQ(reloaded.get("READY"), "1") << reloaded.text;
  EXPECT_NE(reloaded.get("STATUS").find("reloaded"), std::string::npos) << reloaded.text;

  gate().rewriteConfig("listen: [\n");  // not YAML
  gate().sendSignal(SIGHUP);
  NotifyMessage reloadingAgain = next("the second SIGHUP");
  EXPECT_EQ(reloadingAgain.get("RELOADING"), "1") << reloadingAgain.text;
  NotifyMessage failed = next("a failed reload");
  EXPECT_EQ(failed.get("READY"), "1") << failed.text;
  EXPECT_NE(failed.get("STATUS").find("reload failed"), std::string::npos) << failed.text;
  // Still serving, on the old configuration. (The connection is closed
  // before the stop: an idle keep-alive connection would hold the drain.)
  {
    Client client = Client::tls(tlsPort());
    EXPECT_EQ(client.exchange(getRequest("/after")).status, 200);
  }

  gate().sendSignal(SIGTERM);
  NotifyMessage stopping = next("SIGTERM");
  EXPECT_EQ(stopping.get("STOPPING"), "1") << stopping.text;
  EXPECT_EQ(gate().waitExit(kWait), 0);
}

TEST_F(SystemdNotifyTest, UpgradedProcessBecomesMainPidAndOldOneSaysNothingMore) {
  ASSERT_NO_FATAL_FAILURE(startNotifiedGate());
  const pid_t old = gate().pid();
  ASSERT_EQ(next("start").get("READY"), "1");

  gate().sendSignal(SIGUSR2);
  NotifyMessage handover = next("SIGUSR2");
  ASSERT_TRUE(handover.has("MAINPID")) << handover.text;
  const pid_t successor = std::stoi(handover.get("MAINPID"));
  ForeignProcess held(successor);  // ended by its destructor
  EXPECT_NE(successor, old);
  EXPECT_EQ(handover.sender, successor);
  EXPECT_EQ(handover.get("READY"), "1") << handover.text;

  // The old process drains and exits without a word to systemd: a READY=1
  // or STOPPING=1 from it now would concern the service the successor runs.
  ASSERT_EQ(gate().waitExit(kWait), 0);
  while (std::optional<NotifyMessage> later = notify_.next(Millis{200})) {
    EXPECT_NE(later->sender, old) << "after the hand-over the old process sent: " << later->text;
  }

  // The successor answers for the service from now on.
  ASSERT_TRUE(held.sendSignal(SIGTERM));
  NotifyMessage stopping = next("SIGTERM to the successor");
  EXPECT_EQ(stopping.sender, successor);
  EXPECT_EQ(stopping.get("STOPPING"), "1") << stopping.text;
  EXPECT_TRUE(held.waitExit(kWait));
}

}  // namespace
}  // namespace httpgate::test
