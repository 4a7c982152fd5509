// The timeouts a person expects of a gateway, each apart from the others:
// timeouts.keepalive closes an idle client connection, timeouts.request_body
// (with limits.min_request_rate) cuts a body that stalls or trickles with
// 408, timeouts.tunnel closes a silent upgraded connection. Each test sets
// its timeout well apart from every other one, so that the wrong deadline
// applied shows as a wrong time or a wrong answer.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

using Clock = std::chrono::steady_clock;

Millis since(Clock::time_point start) {
  return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

// Short timeouts, far apart: keepalive 1 s, request_body 1.5 s, response
// 6 s, tunnel 3 s, request_header 9 s.
constexpr std::string_view kTimeouts =
    "timeouts:\n  keepalive: 1s\n  request_body: 1500ms\n  response: 6s\n  tunnel: 3s\n"
    "  request_header: 9s\n";

// Parametrized over the two body paths: headers.picolisp true re-frames a
// chunked body (collects it whole), false streams it.
class ClientTimeoutsTest : public GateTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    const std::string top =
        std::string(kTimeouts) + "headers:\n  picolisp: " + (GetParam() ? "true" : "false") + "\n";
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port(), "", top)));
  }

  // Whether the backend got a request with its whole body: a cut body must
  // never look complete to it.
  bool backendGotACompleteRequest() const {
    for (const RecordedRequest& request : backend_.requests()) {
      if (request.complete) {
        return true;
      }
    }
    return false;
  }

  Backend backend_{digestReply};
};

TEST_P(ClientTimeoutsTest, IdleKeepAliveConnectionClosesAfterKeepalive) {
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse first = client.exchange(getRequest("/one"));
  ASSERT_EQ(first.status, 200) << first.describe();
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(client.waitClosed(Millis{5000})) << "idle connection still open";
  const Millis elapsed = since(start);
  EXPECT_GE(elapsed, Millis{800}) << "closed before timeouts.keepalive (1 s)";
  EXPECT_LT(elapsed, Millis{1400}) << "timeouts.request_body (1.5 s) or another applied";
}

TEST_P(ClientTimeoutsTest, StalledLengthBodyIs408AfterRequestBodyTimeout) {
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 1000\r\n\r\n"
                  "first bytes"));
  const Clock::time_point start = Clock::now();
  const HttpResponse response = client.readResponse(false, Millis{8000});
  const Millis elapsed = since(start);
  EXPECT_TRUE(isGateResponse(response, 408, true)) << response.describe();
  EXPECT_GE(elapsed, Millis{1300}) << "cut before timeouts.request_body (1.5 s)";
  EXPECT_LT(elapsed, Millis{2400}) << "timeouts.request_body is 1.5 s";
  EXPECT_TRUE(client.waitClosed(Millis{3000}));
  EXPECT_FALSE(backendGotACompleteRequest()) << "the backend saw a complete request";
}

TEST_P(ClientTimeoutsTest, StalledChunkedBodyIs408AfterRequestBodyTimeout) {
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n"));
  const Clock::time_point start = Clock::now();
  const HttpResponse response = client.readResponse(false, Millis{8000});
  const Millis elapsed = since(start);
  EXPECT_TRUE(isGateResponse(response, 408, true)) << response.describe();
  EXPECT_GE(elapsed, Millis{1300}) << "cut before timeouts.request_body (1.5 s)";
  EXPECT_LT(elapsed, Millis{2400}) << "timeouts.request_body is 1.5 s";
  EXPECT_FALSE(backendGotACompleteRequest()) << "the backend saw a complete request";
}

// 20 bytes a second keeps the connection busy but stays far below 1 KiB/s:
// cut at the end of the first window.
TEST_P(ClientTimeoutsTest, TricklingBodyBelowMinRateIs408) {
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 100000\r\n\r\n"));
  const Clock::time_point start = Clock::now();
  bool cut = false;
  for (int i = 0; i < 80 && !cut; ++i) {  // at most 4 s of trickle
    cut = !client.send("x", Millis{1000});
    std::this_thread::sleep_for(Millis{50});  // the trickle's pace
    cut = cut || !client.unread().empty() || since(start) > Millis{2600};
  }
  const HttpResponse response = client.readResponse(false, Millis{3000});
  const Millis elapsed = since(start);
  EXPECT_TRUE(isGateResponse(response, 408, true)) << response.describe();
  EXPECT_GE(elapsed, Millis{1300}) << "cut before the first window (1.5 s) ended";
  EXPECT_LT(elapsed, Millis{3200}) << "not cut at the end of the first window";
}

// 8 KiB/s for 3 s (two windows) is well above 1 KiB/s: it passes whole.
TEST_P(ClientTimeoutsTest, SlowButSteadyUploadPasses) {
  Client client = Client::tls(tlsPort());
  const std::string body = patternBytes(24 * 1024, 7);
  const bool chunked = GetParam();
  std::string head = "POST /upload HTTP/1.1\r\nHost: gate.test\r\n";
  head += chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                  : "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_TRUE(client.send(head));
  for (size_t at = 0; at < body.size(); at += 1024) {
    const std::string piece = body.substr(at, 1024);
    ASSERT_TRUE(client.send(chunked ? "400\r\n" + piece + "\r\n" : piece));
    std::this_thread::sleep_for(Millis{125});  // 8 KiB/s
  }
  if (chunked) {
    ASSERT_TRUE(client.send("0\r\n\r\n"));
  }
  const HttpResponse response = client.readResponse(false, Millis{8000});
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.body, sha256Hex(body));
}

// A backend that takes the body slowly is not the client's fault: the
// client waits on the gate's full buffer, and its body is not timed then.
// This backend reads the head, then nothing for 2.5 s (longer than
// timeouts.request_body), then the 2 MiB body, and answers 200.
TEST_P(ClientTimeoutsTest, BackendTakingTheBodySlowlyIsNotA408) {
  uint16_t port = 0;
  UniqueFd listener = listenTcp("127.0.0.1", 4, &port);
  ASSERT_TRUE(listener.valid());
  const size_t bodySize = 2 * 1024 * 1024;
  std::thread slowReader([&] {
    UniqueFd connection(::accept(listener.get(), nullptr, nullptr));
    if (!connection.valid()) {
      return;
    }
    setReceiveTimeout(connection.get(), Millis{20'000});
    std::string received;
    char buffer[65536];
    bool paused = false;
    // Bounded: the head and body are at most bodySize + 64 KiB.
    while (received.size() < bodySize + 65536) {
      const size_t headEnd = received.find("\r\n\r\n");
      if (headEnd != std::string::npos && !paused) {
        std::this_thread::sleep_for(Millis{2500});  // the slow backend
        paused = true;
      }
      if (headEnd != std::string::npos && received.size() - headEnd - 4 >= bodySize) {
        break;
      }
      const ssize_t n = ::recv(connection.get(), buffer, sizeof buffer, 0);
      if (n <= 0) {
        return;
      }
      received.append(buffer, static_cast<size_t>(n));
    }
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone";
    (void)!::send(connection.get(), answer.data(), answer.size(), MSG_NOSIGNAL);
  });
  Client client = Client::tls(tlsPort());
  const std::string body = patternBytes(bodySize, 9);
  const bool sent =
      client.send(postRequest("/" + std::to_string(port) + "/big", body), Millis{20'000});
  const HttpResponse response = client.readResponse(false, Millis{20'000});
  slowReader.join();
  ASSERT_TRUE(sent);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.body, "done");
}

TEST_P(ClientTimeoutsTest, SilentTunnelClosesAfterTunnelTimeout) {
  Backend websocket([](const RecordedRequest&) {
    BackendReply reply;
    reply.status = 101;
    reply.reason = "Switching Protocols";
    reply.framing = BackendReply::Framing::NoFraming;
    reply.fields = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
    reply.tunnel = true;
    return reply;
  });
  Client client = Client::tls(tlsPort());
  const HttpResponse response = client.exchange(
      getRequest(pathTo(websocket, "/ws"), "Connection: Upgrade\r\nUpgrade: websocket\r\n"));
  ASSERT_EQ(response.status, 101) << response.describe();
  ASSERT_TRUE(client.send("ping"));
  ASSERT_EQ(client.readBytes(4), "ping");
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(client.waitClosed(Millis{8000})) << "silent tunnel still open";
  const Millis elapsed = since(start);
  EXPECT_GE(elapsed, Millis{2700}) << "closed before timeouts.tunnel (3 s)";
  EXPECT_LT(elapsed, Millis{4500}) << "timeouts.tunnel is 3 s, response 6 s";
}

INSTANTIATE_TEST_SUITE_P(BodyPaths, ClientTimeoutsTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Reframed" : "Streamed";
                         });

// The shipped defaults (timeouts.request_body 30 s, limits.min_request_rate
// 1 KiB/s): a body sent at one byte a second is cut within 45 s, and one of
// 100 MiB at full speed passes.
class ShippedTimeoutsTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port())));
  }
  Backend backend_{digestReply};
};

TEST_F(ShippedTimeoutsTest, OneBytePerSecondBodyIsCutWithin45Seconds) {
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 1000\r\n\r\n"));
  const Clock::time_point start = Clock::now();
  bool cut = false;
  for (int i = 0; i < 50 && !cut; ++i) {  // at most 50 s
    cut = !client.send("x", Millis{1000}) || client.waitClosed(Millis{1000});
  }
  const Millis elapsed = since(start);
  EXPECT_TRUE(cut) << "a 1 byte/s body was never cut";
  EXPECT_GE(elapsed, Millis{29'000}) << "cut before timeouts.request_body (30 s)";
  EXPECT_LT(elapsed, Millis{45'000});
  for (const RecordedRequest& request : backend_.requests()) {
    EXPECT_FALSE(request.complete) << "the backend saw a complete request";
  }
}

TEST_F(ShippedTimeoutsTest, HundredMebibytesAtFullSpeedPass) {
  Client client = Client::tls(tlsPort());
  const std::string body = patternBytes(100 * 1024 * 1024, 3);
  ASSERT_TRUE(client.send(postRequest("/upload", body), Millis{60'000}));
  const HttpResponse response = client.readResponse(false, Millis{60'000});
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.body, sha256Hex(body));
}

}  // namespace
}  // namespace httpgate::test
