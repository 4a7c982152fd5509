// Backends that fail: refused connects (502, or 410 with the void page for
// a session URL), connects that hang and responses that never come (504),
// backends that close or die mid-response, without harming other clients.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

constexpr std::string_view kVoidPage = "<html><body>Your session has expired.</body></html>\n";

class FailuresTest : public GateTest {
 protected:
  // Starts the gate with short connect (500 ms) and idle (1 s) timeouts,
  // and the void page when `withVoidPage`.
  void start(bool withVoidPage) {
    std::string topLevel = "timeouts:\n  connect: 500ms\n  idle: 1s\n";
    if (withVoidPage) {
      const std::string page = dir_.file("void.html");
      writeFile(page, kVoidPage);
      topLevel += "void_page: \"" + page + "\"\n";
    }
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port(), "", topLevel)));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  // The same connection still reaches a working backend.
  void expectStillUsable(Client& client) {
    const HttpResponse response = client.exchange(getRequest(pathTo(backend_, "/next")));
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.body, Backend::defaultBody(backend_.port(), "/next"));
  }

  Backend backend_;
  Client client_;
};

TEST_F(FailuresTest, RefusedBackendIs502AndConnectionStaysUsable) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const uint16_t refusing = refusingPort();
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(refusing) + "/page"));
  EXPECT_TRUE(isGateResponse(response, 502, false));
  EXPECT_NE(response.body.find("<"), std::string::npos) << "not an HTML body: " << response.body;
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
  const Clock::time_point start = Clock::now();
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(blackhole.port()) + "/x"));
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(isGateResponse(response, 504, false));
  EXPECT_GE(elapsed, Millis{400}) << "answered before timeouts.connect (500 ms) could expire";
  EXPECT_LT(elapsed, Millis{3000}) << "timeouts.connect is 500 ms";
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
  EXPECT_GE(elapsed, Millis{900}) << "answered before timeouts.idle (1 s) could expire";
  EXPECT_LT(elapsed, Millis{4000}) << "timeouts.idle is 1 s";
  EXPECT_EQ(silent.requestCount(), 1U);
  expectStillUsable(client_);
}

TEST_F(FailuresTest, NeverAcceptedBackendIs504) {
  // The kernel completes the handshake and takes the request; nobody reads it.
  SilentListener listener;
  ASSERT_NO_FATAL_FAILURE(start(false));
  const HttpResponse response =
      client_.exchange(getRequest("/" + std::to_string(listener.port()) + "/x"));
  EXPECT_TRUE(isGateResponse(response, 504, false));
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
