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
  forwarding.upgrade = "websocket";
  const std::string head = echo_.requests()[0].head;
  const std::string keyAndVersion = fields_.substr(fields_.find("\r\n") + 2);
  EXPECT_EQ(head,
            expectedHead("GET /chat HTTP/1.1", "Host: example.org\r\n" + keyAndVersion, forwarding))
      << "got:\n"
      << printable(head);
}

// h2c smuggling: an "Upgrade: h2c" request must never turn into a tunnel,
// or a client could talk HTTP/2 to any backend path past the gate's parser.
// Other Upgrade tokens and HTTP2-Settings are removed; the request goes on
// as an ordinary one.
TEST_F(WebSocketTest, H2cUpgradeIsProxiedAsAnOrdinaryRequest) {
  Backend plain;
  const HttpResponse response =
      client_.exchange(getRequest(pathTo(plain, "/h2c"),
                                  "Connection: Upgrade\r\nUpgrade: h2c\r\n"
                                  "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"));
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.body, Backend::defaultBody(plain.port(), "/h2c"));
  ASSERT_EQ(plain.requestCount(), 1U);
  const std::string head = plain.requests()[0].head;
  EXPECT_EQ(head.find("pgrade"), std::string::npos) << printable(head);
  EXPECT_EQ(head.find("HTTP2-Settings"), std::string::npos) << printable(head);
  EXPECT_EQ(head.find("Connection"), std::string::npos) << printable(head);
  // The connection stays an HTTP/1.1 connection: a second request is parsed.
  const HttpResponse second = client_.exchange(getRequest(pathTo(plain, "/second")));
  EXPECT_EQ(second.status, 200) << second.describe();
  EXPECT_EQ(plain.requestCount(), 2U);
}

// Only the allowed protocols of a mixed offer go on.
TEST_F(WebSocketTest, OnlyWebsocketIsOfferedToTheBackend) {
  const HttpResponse response = client_.exchange(getRequest(
      pathTo(echo_, "/chat"),
      "Connection: Upgrade\r\nUpgrade: h2c, WebSocket, foo/2\r\nSec-WebSocket-Version: 13\r\n"));
  ASSERT_EQ(response.status, 101) << response.describe();
  ASSERT_EQ(echo_.requestCount(), 1U);
  const std::string head = echo_.requests()[0].head;
  EXPECT_NE(head.find("\r\nUpgrade: WebSocket\r\n"), std::string::npos) << printable(head);
  EXPECT_EQ(head.find("h2c"), std::string::npos) << printable(head);
  EXPECT_EQ(head.find("foo"), std::string::npos) << printable(head);
}

// A backend that switches anyway (to h2c, or with no upgrade asked for) gets
// a 502 for its answer, and nothing the client sends next is tunnelled.
TEST_F(WebSocketTest, A101ThatAnswersNoForwardedUpgradeIs502) {
  Backend switcher([](const RecordedRequest&) {
    BackendReply reply;
    reply.status = 101;
    reply.reason = "Switching Protocols";
    reply.framing = BackendReply::Framing::NoFraming;
    reply.fields = {{"Upgrade", "h2c"}, {"Connection", "Upgrade"}};
    reply.tunnel = true;
    return reply;
  });
  const std::string offers[] = {
      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n",
      "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n", ""};
  for (const std::string& fields : offers) {
    Client client = Client::tls(tlsPort());
    ASSERT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest(pathTo(switcher, "/x"), fields));
    EXPECT_TRUE(isGateResponse(response, 502, response.announcesClose())) << response.describe();
    ASSERT_TRUE(client.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    // Parsed as a request (and refused), never relayed to the backend.
    EXPECT_TRUE(client.waitClosed(Millis{3000}));
    EXPECT_EQ(switcher.receivedBytes().find("PRI *"), std::string::npos);
  }
}

}  // namespace
}  // namespace httpgate::test
