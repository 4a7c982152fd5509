// SIGTERM/SIGINT: stop accepting, finish the requests in flight, close idle
// keep-alive connections, exit 0; a second signal closes what remains.
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
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, fast_.port())));
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
  // The idle connection is closed while the slow request (2 s) is still running.
  EXPECT_TRUE(idle.waitClosed(Millis{1000})) << "the idle keep-alive connection was not closed";

  const HttpResponse drained = busy.readResponse(false, Millis{5000});
  ASSERT_TRUE(drained.complete) << drained.describe();
  EXPECT_EQ(drained.body, Backend::defaultBody(slow.port(), "/slow"));
  EXPECT_EQ(gate().waitExit(Millis{5000}), 0);
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
