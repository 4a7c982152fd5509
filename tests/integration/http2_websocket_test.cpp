// WebSocket over HTTP/2 (RFC 8441) with libnghttp2's client: the gate
// announces SETTINGS_ENABLE_CONNECT_PROTOCOL, an extended CONNECT reaches
// the backend as an HTTP/1.1 upgrade with a key the gate made, its 101
// comes back as a 200 on the stream, and the stream's DATA then carry the
// tunnel's bytes both ways while other streams of the connection go on.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/h2_client.h"

namespace httpgate::test {
namespace {

constexpr std::string_view kGreeting = "server speaks first\n";

BackendReply upgradeAndEcho(const RecordedRequest&) {
  BackendReply reply;
  reply.status = 101;
  reply.reason = "Switching Protocols";
  reply.framing = BackendReply::Framing::NoFraming;
  reply.fields = {{"Upgrade", "websocket"},
                  {"Connection", "Upgrade"},
                  {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
                  {"Sec-WebSocket-Protocol", "chat"}};
  reply.tunnel = true;
  reply.tunnelGreeting = std::string(kGreeting);
  return reply;
}

class Http2WebSocketTest : public GateTest {
 protected:
  void start(uint16_t port) {
    const std::string yaml = "listen:\n" + tlsListenerYaml({cert_}, "127.0.0.1:0") +
                             "workers: 1\nroutes:\n  default: " + std::to_string(port) +
                             "\nlog:\n  access: stderr\n";
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
  }

  // An extended CONNECT for a WebSocket at `path`, once the gate has
  // allowed it (a client must wait for the setting, RFC 8441 3).
  static int32_t openWebSocket(H2Client& client, const std::string& path) {
    const bool allowed = client.runUntil(
        [&] { return client.remoteSetting(NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1; });
    EXPECT_TRUE(allowed) << "no SETTINGS_ENABLE_CONNECT_PROTOCOL from the gate";
    return client.submit({{":method", "CONNECT"},
                          {":protocol", "websocket"},
                          {":scheme", "https"},
                          {":authority", "gate.test"},
                          {":path", path},
                          {"sec-websocket-version", "13"},
                          {"sec-websocket-protocol", "chat"}},
                         std::nullopt, true);
  }
};

TEST_F(Http2WebSocketTest, ExtendedConnectTunnelsBothWaysBesideOtherStreams) {
  Backend echo(upgradeAndEcho);
  Backend plain;
  ASSERT_NO_FATAL_FAILURE(start(echo.port()));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const int32_t ws = openWebSocket(client, "/chat?room=1");
  ASSERT_GT(ws, 0);
  ASSERT_TRUE(client.waitData(ws, kGreeting.size())) << client.error();
  const H2StreamResult& opened = client.stream(ws);
  EXPECT_EQ(opened.status, 200);
  EXPECT_EQ(opened.header("sec-websocket-protocol"), "chat");
  // The accept value answers the gate's key, not the client's (it sent none).
  EXPECT_EQ(opened.header("sec-websocket-accept"), "");
  EXPECT_EQ(opened.header("upgrade"), "");
  EXPECT_EQ(opened.data, kGreeting);

  // The upgrade as the backend saw it: an HTTP/1.1 GET with a fresh key.
  ASSERT_TRUE(echo.waitForRequests(1, kIoTimeout));
  const RecordedRequest upgrade = echo.requests()[0];
  EXPECT_EQ(upgrade.method, "GET");
  EXPECT_EQ(upgrade.target, "/chat?room=1");
  EXPECT_EQ(upgrade.field("Upgrade"), "websocket");
  EXPECT_TRUE(fieldHasToken(upgrade.fields, "Connection", "upgrade")) << upgrade.head;
  EXPECT_EQ(upgrade.field("Sec-WebSocket-Key").value_or("").size(), 24U) << upgrade.head;
  EXPECT_EQ(upgrade.field("Sec-WebSocket-Version"), "13");
  EXPECT_EQ(upgrade.field("Sec-WebSocket-Protocol"), "chat");

  // Messages both ways, one larger than the stream's window (64 KiB), and
  // a plain request on another stream of the connection meanwhile.
  const std::string messages[] = {"x", "\r\n\r\nGET / HTTP/1.1\r\nHost: evil\r\n\r\n",
                                  patternBytes(300'000, 21)};
  size_t expected = kGreeting.size();
  for (const std::string& message : messages) {
    client.sendData(ws, message);
    expected += message.size();
    const int32_t other = client.get("/" + std::to_string(plain.port()) + "/beside");
    ASSERT_TRUE(client.waitClosed(other)) << client.error();
    EXPECT_EQ(client.stream(other).status, 200);
    ASSERT_TRUE(client.waitData(ws, expected, Millis{10000})) << client.stream(ws).data.size();
  }
  const std::string echoed = client.stream(ws).data.substr(kGreeting.size());
  std::string sent;
  for (const std::string& message : messages) {
    sent += message;
  }
  EXPECT_EQ(sha256Hex(echoed), sha256Hex(sent));

  // The client ends its side: the backend sees the end, closes, and the
  // stream ends cleanly, without a reset.
  client.sendData(ws, "", true);
  ASSERT_TRUE(client.waitClosed(ws)) << client.error();
  EXPECT_TRUE(client.stream(ws).remoteEnded);
  EXPECT_FALSE(client.stream(ws).reset) << client.stream(ws).resetCode;
  EXPECT_EQ(echo.requestCount(), 1U);
  EXPECT_TRUE(gate().waitForLog(std::regex("\"GET /chat\\?room=1 HTTP/2\\.0\" 101 "), kIoTimeout))
      << gate().log();
}

TEST_F(Http2WebSocketTest, ARefusedUpgradeIsAnOrdinaryResponseAndEndsTheStream) {
  Backend refusing([](const RecordedRequest&) {
    BackendReply reply;
    reply.status = 403;
    reply.reason = "Forbidden";
    reply.body = "not here";
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start(refusing.port()));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const int32_t ws = openWebSocket(client, "/chat");
  ASSERT_GT(ws, 0);
  ASSERT_TRUE(client.waitClosed(ws)) << client.error();
  const H2StreamResult& result = client.stream(ws);
  EXPECT_EQ(result.status, 403);
  EXPECT_EQ(result.data, "not here");
  EXPECT_TRUE(result.remoteEnded);
  // The response was complete before the request: the client is told to
  // stop with NO_ERROR (RFC 9113 8.1), not left with a half-open stream.
  EXPECT_TRUE(result.reset);
  EXPECT_EQ(result.resetCode, static_cast<uint32_t>(NGHTTP2_NO_ERROR));
}

TEST_F(Http2WebSocketTest, AProtocolOtherThanWebSocketIsNotImplemented) {
  Backend backend;
  ASSERT_NO_FATAL_FAILURE(start(backend.port()));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(client.runUntil(
      [&] { return client.remoteSetting(NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1; }));
  const int32_t id = client.submit({{":method", "CONNECT"},
                                    {":protocol", "connect-udp"},
                                    {":scheme", "https"},
                                    {":authority", "gate.test"},
                                    {":path", "/udp"}},
                                   std::nullopt, true);
  ASSERT_TRUE(client.waitClosed(id)) << client.error();
  EXPECT_EQ(client.stream(id).status, 501);
  EXPECT_EQ(backend.requestCount(), 0U);
}

}  // namespace
}  // namespace httpgate::test
