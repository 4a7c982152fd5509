// Upgrade (WebSocket): the request reaches the backend with its Upgrade
// field and "Connection: upgrade"; after the backend's 101 the connection
// is a byte tunnel in both directions.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/client.h"
#include "tests/support/expected_head.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

constexpr std::string_view kGreeting = "server speaks first\n";

class WebSocketTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, echo_.port())));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  static BackendReply upgradeAndEcho(const RecordedRequest&) {
    BackendReply reply;
    reply.status = 101;
    reply.reason = "Switching Protocols";
    reply.framing = BackendReply::Framing::NoFraming;
    reply.fields = {{"Upgrade", "websocket"},
                    {"Connection", "Upgrade"},
                    {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}};
    reply.tunnel = true;
    reply.tunnelGreeting = std::string(kGreeting);
    return reply;
  }

  const std::string fields_ =
      "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  Backend echo_{upgradeAndEcho};
  Client client_;
};

TEST_F(WebSocketTest, BytesAfter101AreTunnelledBothWays) {
  const HttpResponse response =
      client_.exchange(getRequest(pathTo(echo_, "/chat"), "Connection: Upgrade\r\n" + fields_));
  ASSERT_TRUE(response.complete) << response.describe();
  ASSERT_EQ(response.status, 101) << response.describe();
  EXPECT_EQ(response.field("Upgrade"), "websocket");
  EXPECT_TRUE(fieldHasToken(response.fields, "Connection", "upgrade")) << response.describe();

  EXPECT_EQ(client_.readBytes(kGreeting.size()), kGreeting);
  // Bytes that would be HTTP elsewhere must pass as they are.
  const std::string messages[] = {
      "x",
      "\r\n\r\nGET / HTTP/1.1\r\nHost: evil\r\n\r\n",
      patternBytes(5000, 11),
      patternBytes(300'000, 12),
  };
  for (const std::string& message : messages) {
    ASSERT_TRUE(client_.send(message));
    const std::string echoed = client_.readBytes(message.size());
    ASSERT_EQ(echoed.size(), message.size());
    EXPECT_EQ(sha256Hex(echoed), sha256Hex(message));
  }
  EXPECT_EQ(echo_.requestCount(), 1U);
}

TEST_F(WebSocketTest, UpgradeRequestHeadIsExact) {
  const HttpResponse response = client_.exchange(
      getRequest(pathTo(echo_, "/chat"), "Connection: Upgrade\r\n" + fields_, "example.org"));
  ASSERT_EQ(response.status, 101) << response.describe();
  ASSERT_EQ(echo_.requestCount(), 1U);
  Forwarding forwarding;
  forwarding.cipher = client_.tlsStream()->cipherName();
  forwarding.upgrade = true;
  const std::string head = echo_.requests()[0].head;
  EXPECT_EQ(head, expectedHead("GET /chat HTTP/1.1", "Host: example.org\r\n" + fields_, forwarding))
      << "got:\n"
      << printable(head);
}

}  // namespace
}  // namespace httpgate::test
