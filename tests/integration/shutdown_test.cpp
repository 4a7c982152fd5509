// SIGTERM/SIGINT: stop accepting, finish the requests in flight, answer the
// next request of an idle keep-alive connection with Connection: close (a
// client silent for the whole drain sees a graceful close just before
// timeouts.shutdown), exit 0; a second signal closes what remains.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

const std::regex kShuttingDown("shutting down");

// Whether connecting to `port` is refused within `timeout`. The listener
// may close a moment after the log line, so a few attempts are allowed.
bool refusedWithin(uint16_t port, Millis timeout) {
  const Deadline deadline(timeout);
  while (!deadline.expired()) {
    std::string error;
    if (!connectTcp("127.0.0.1", port, Millis{200}, &error).valid() &&
        error == "Connection refused") {
      return true;
    }
    std::this_thread::sleep_for(Millis{20});  // between attempts, not as synchronization
  }
  return false;
}

class ShutdownTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(
        startGate(standardGateYaml(cert_, fast_.port(), "", "timeouts:\n  shutdown: 6s\n")));
  }

  Backend fast_;
};

TEST_F(ShutdownTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  Backend slow([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.delay = Millis{2000};
    return reply;
  });
  Client idle = Client::tls(tlsPort());
  ASSERT_TRUE(idle.exchange(getRequest("/warm")).complete);
  Client busy = Client::tls(tlsPort());
  ASSERT_TRUE(busy.send(getRequest(pathTo(slow, "/slow"))));
  ASSERT_TRUE(slow.waitForRequests(1, kIoTimeout)) << "the slow request never reached its backend";

  gate().sendSignal(SIGTERM);
  ASSERT_TRUE(gate().waitForLog(kShuttingDown, Millis{2000}));
  EXPECT_TRUE(refusedWithin(tlsPort(), Millis{1000})) << "new connections still accepted";
  EXPECT_TRUE(refusedWithin(plainPort(), Millis{1000})) << "new connections still accepted";
  // The idle keep-alive connection stays open: its client (which may not
  // retry) could be sending a request this very moment. That request is
  // answered, and announces the close.
  EXPECT_FALSE(idle.waitClosed(Millis{300})) << "the idle keep-alive connection was closed";
  const HttpResponse next = idle.exchange(getRequest("/after-term"));
  ASSERT_TRUE(next.complete) << next.describe();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, Backend::defaultBody(fast_.port(), "/after-term"));
  EXPECT_TRUE(next.announcesClose()) << next.describe();
  EXPECT_TRUE(idle.waitClosed(Millis{1000})) << "no close after the answer";

  const HttpResponse drained = busy.readResponse(false, Millis{5000});
  ASSERT_TRUE(drained.complete) << drained.describe();
  EXPECT_EQ(drained.body, Backend::defaultBody(slow.port(), "/slow"));
  EXPECT_TRUE(drained.announcesClose()) << drained.describe();
  EXPECT_EQ(gate().waitExit(Millis{5000}), 0);
}

TEST_F(ShutdownTest, SilentKeepAliveConnectionIsClosedGracefullyAtTheShutdownTimeout) {
  Client idle = Client::tls(tlsPort());
  ASSERT_TRUE(idle.exchange(getRequest("/warm")).complete);
  const auto start = std::chrono::steady_clock::now();
  gate().sendSignal(SIGTERM);
  ASSERT_TRUE(gate().waitForLog(kShuttingDown, Millis{2000}));
  // timeouts.shutdown is 6 s; the connection closes 2.5 s before it (time
  // for its linger), with a TLS close_notify rather than a reset, and the
  // gate exits cleanly.
  EXPECT_TRUE(idle.waitClosed(Millis{8000})) << "the silent connection was never closed";
  const auto elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
  EXPECT_GE(elapsed, Millis{3000}) << "closed long before timeouts.shutdown (6 s)";
  EXPECT_LT(elapsed, Millis{4500}) << "not closed 2.5 s before timeouts.shutdown (6 s)";
  EXPECT_EQ(gate().waitExit(Millis{5000}), 0);
  EXPECT_EQ(gate().countLog(std::regex("timeouts.shutdown reached")), 0u)
      << "the server had to cut a connection the session should have closed itself";
}

TEST_F(ShutdownTest, SecondSigtermClosesRemainingConnectionsAtOnce) {
  Backend stalled([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.delay = Millis{30'000};  // longer than every wait below
    return reply;
  });
  Client busy = Client::tls(tlsPort());
  ASSERT_TRUE(busy.send(getRequest(pathTo(stalled, "/stalled"))));
  ASSERT_TRUE(stalled.waitForRequests(1, kIoTimeout)) << "the request never reached its backend";

  gate().sendSignal(SIGTERM);
  ASSERT_TRUE(gate().waitForLog(kShuttingDown, Millis{2000}));
  gate().sendSignal(SIGTERM);
  EXPECT_TRUE(gate().waitForLog(std::regex("second stop signal"), Millis{2000}));
  EXPECT_TRUE(busy.waitClosed(Millis{5000})) << "the busy connection was left open";
  EXPECT_EQ(gate().waitExit(Millis{5000}), 0);
}

TEST_F(ShutdownTest, SigintOnAnIdleGateExitsZero) {
  gate().sendSignal(SIGINT);
  EXPECT_EQ(gate().waitExit(Millis{5000}), 0);
  EXPECT_TRUE(refusedWithin(tlsPort(), Millis{1000}));
}

}  // namespace
}  // namespace httpgate::test
