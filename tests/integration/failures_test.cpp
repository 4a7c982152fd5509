// Backends that fail: refused connects (502, or 410 with the void page for
// a session URL), connects that hang and responses that never come (504),
// backends that close or die mid-response, without harming other clients.
// Each 504 comes when its own timeout expires, not before and not much
// after, and the connect failures are counted by their reason.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"
#include "tests/support/timeout_bounds.h"

namespace httpgate::test {
namespace {

constexpr std::string_view kVoidPage = "<html><body>Your session has expired.</body></html>\n";

// Apart by more than kTimeoutSlack, so that one standing in for another
// shows (timeouts.keepalive stays at its 75 s).
constexpr Millis kConnectTimeout{500};
constexpr Millis kResponseTimeout{2000};

class FailuresTest : public GateTest {
 protected:
  // Starts the gate with the timeouts above, the admin endpoint, and the
  // void page when `withVoidPage`.
  void start(bool withVoidPage) {
    std::string topLevel = "timeouts:\n  connect: " + std::to_string(kConnectTimeout.count()) +
                           "ms\n  response: " + std::to_string(kResponseTimeout.count()) +
                           "ms\nadmin:\n  listen: 127.0.0.1:0\n";
    if (withVoidPage) {
      const std::string page = dir_.file("void.html");
      writeFile(page, kVoidPage);
      topLevel += "void_page: \"" + page + "\"\n";
    }
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port(), "", topLevel)));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0) << "no \"admin listening on\" line";
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  // The connect failures counted for `reason`, once it is `expected` or
  // after a bounded wait.
  double connectFailuresCounted(const std::string& reason, double expected) {
    return waitForSample(adminPort_, connectFailures(reason), expected).value_or(-1);
  }

  // The same connection still reaches a working backend.
  void expectStillUsable(Client& client) {
    const HttpResponse response = client.exchange(getRequest(pathTo(backend_, "/next")));
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.body, Backend::defaultBody(backend_.port(), "/next"));
  }

  Backend backend_;
  Client client_;
  uint16_t adminPort_ = 0;
};

TEST_F(FailuresTest, RefusedBackendIs502AndConnectionStaysUsable) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const uint16_t refusing = refusingPort();
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(refusing) + "/page"));
  EXPECT_TRUE(isGateResponse(response, 502, false));
  EXPECT_NE(response.body.find("<"), std::string::npos) << "not an HTML body: " << response.body;
  EXPECT_EQ(connectFailuresCounted("refused", 1), 1);
  EXPECT_EQ(connectFailuresCounted("timeout", 0), 0);
  expectStillUsable(client_);
}

TEST_F(FailuresTest, RefusedSessionWithVoidPageIs410WithThePage) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(refusingPort()) + "/a1b2c3~index.html?x=1"));
  EXPECT_TRUE(isGateResponse(response, 410, false));
  EXPECT_EQ(response.body, kVoidPage);
  expectStillUsable(client_);
}

TEST_F(FailuresTest, RefusedPathWithoutSessionMarkerIs502EvenWithVoidPage) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(refusingPort()) + "/index.html"));
  EXPECT_TRUE(isGateResponse(response, 502, false));
  EXPECT_NE(response.body, kVoidPage);
}

TEST_F(FailuresTest, RefusedSessionWithoutVoidPageIs502) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(refusingPort()) + "/a1b2c3~index.html"));
  EXPECT_TRUE(isGateResponse(response, 502, false));
}

TEST_F(FailuresTest, ConnectTimeoutIs504) {
  Blackhole blackhole;
  if (!blackhole.works()) {
    GTEST_SKIP() << "cannot make a loopback connect hang here (" << blackhole.why()
                 << "); ResponseTimeoutIs504 covers the 504 path";
  }
  ASSERT_NO_FATAL_FAILURE(start(false));
  const std::string port = std::to_string(blackhole.port());
  ConnectAttempts attempts(blackhole, Millis{10'000});
  const Clock::time_point start = Clock::now();
  const HttpResponse response = client_.exchange(getRequest("/" + port + "/x"));
  const auto elapsed = Clock::now() - start;
  const std::set<uint16_t> tried = attempts.stop();
  EXPECT_TRUE(isGateResponse(response, 504, false));
  EXPECT_TRUE(endedByTimeout(elapsed, kConnectTimeout)) << "timeouts.connect";
  // One connect, given up at the timeout: a timed-out connect is not retried.
  EXPECT_EQ(tried.size(), 1u) << "connect attempts to the port";
  EXPECT_EQ(connectFailuresCounted("timeout", 1), 1);
  EXPECT_EQ(connectFailuresCounted("refused", 0), 0);
  EXPECT_EQ(connectFailuresCounted("error", 0), 0);
  EXPECT_EQ(gate().countLog(std::regex("backend [^ ]+:" + port +
                                       " did not accept the connection within 500 ms")),
            1u)
      << gate().log();
  expectStillUsable(client_);
}

TEST_F(FailuresTest, ResponseTimeoutIs504) {
  Backend silent([](const RecordedRequest&) {
    BackendReply reply;
    reply.neverAnswer = true;
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start(false));
  const Clock::time_point start = Clock::now();
  const HttpResponse response = client_.exchange(getRequest(pathTo(silent, "/x")));
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(isGateResponse(response, 504, false));
  EXPECT_TRUE(endedByTimeout(elapsed, kResponseTimeout)) << "timeouts.response";
  EXPECT_EQ(silent.requestCount(), 1U);
  // The connection was opened: a response timeout is no connect failure.
  EXPECT_EQ(connectFailuresCounted("timeout", 0), 0);
  expectStillUsable(client_);
}

TEST_F(FailuresTest, NeverAcceptedBackendIs504) {
  // The kernel completes the handshake and takes the request; nobody reads it.
  SilentListener listener;
  ASSERT_NO_FATAL_FAILURE(start(false));
  const Clock::time_point start = Clock::now();
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(listener.port()) + "/x"));
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(isGateResponse(response, 504, false));
  EXPECT_TRUE(endedByTimeout(elapsed, kResponseTimeout)) << "timeouts.response";
  EXPECT_EQ(connectFailuresCounted("timeout", 0), 0);
}

TEST_F(FailuresTest, BackendClosingRightAfterAcceptIs502) {
  BackendOptions options;
  options.closeOnAccept = true;
  Backend closing(nullptr, options);
  ASSERT_NO_FATAL_FAILURE(start(false));
  const HttpResponse response = client_.exchange(getRequest(pathTo(closing, "/x")));
  EXPECT_TRUE(isGateResponse(response, 502, false));
  // A GET may be repeated: one more fresh connection, then the 502.
  EXPECT_TRUE(closing.waitForConnections(2, Millis{5000}));
  EXPECT_EQ(closing.connectionCount(), 2u);
  expectStillUsable(client_);
}

TEST_F(FailuresTest, APostIsNeverSentTwice) {
  BackendOptions options;
  options.closeOnAccept = true;
  Backend closing(nullptr, options);
  ASSERT_NO_FATAL_FAILURE(start(false));
  const HttpResponse response =
      client_.exchange("POST " + pathTo(closing, "/x") +
                       " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(isGateResponse(response, 502, false));
  EXPECT_EQ(closing.connectionCount(), 1u);
  expectStillUsable(client_);
}

TEST_F(FailuresTest, BackendDyingMidResponseClosesOnlyThatClient) {
  Backend dying([](const RecordedRequest&) {
    BackendReply reply;
    reply.body = std::string(100'000, 'd');
    reply.dieAfter = 5000;  // the head and part of the body
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start(false));
  Client other = Client::tls(tlsPort());
  ASSERT_TRUE(other.connected()) << other.error();
  expectStillUsable(other);

  const HttpResponse broken = client_.exchange(getRequest(pathTo(dying, "/x")));
  EXPECT_FALSE(broken.complete) << "a truncated response was passed on as complete: "
                                << broken.describe();
  EXPECT_TRUE(client_.waitClosed(Millis{3000})) << "the client connection stayed open";

  expectStillUsable(other);
  Client fresh = Client::tls(tlsPort());
  ASSERT_TRUE(fresh.connected()) << fresh.error();
  expectStillUsable(fresh);
}

}  // namespace
}  // namespace httpgate::test
