// The known HTTP/2 attacks, each by a client over TLS that does exactly
// that: rapid reset (CVE-2023-44487), the PING / SETTINGS / PRIORITY /
// empty DATA floods (CVE-2019-9512, -9515, -9516, -9518), the CONTINUATION
// flood (CVE-2024-27316 class), an HPACK bomb, a zero window that never
// opens, and a stream that never sends its body. Each must cost the
// attacker its connection or its stream, never the gate its memory or
// other clients their answers.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/h2_client.h"
#include "tests/support/h2_frames.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

class Http2AttacksTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    const std::string yaml =
        "listen:\n" + tlsListenerYaml({cert_}, "127.0.0.1:0") +
        "workers: 1\nroutes:\n  default: " + std::to_string(backend_.port()) +
        "\ntimeouts:\n  response: 1s\n  request_body: 1s\nadmin:\n  listen: 127.0.0.1:0\n";
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
    admin_ = adminPortOf(gate());
    ASSERT_NE(admin_, 0);
  }

  // A raw HTTP/2 connection that has sent its preface.
  Client rawClient() {
    TlsOptions h2;
    h2.offerH2 = true;
    Client client = Client::tls(tlsPort(), h2);
    EXPECT_TRUE(client.connected()) << client.error();
    EXPECT_TRUE(client.send(h2Preface()));
    return client;
  }

  // Sends `frames` at once and expects GOAWAY ENHANCE_YOUR_CALM, the
  // connection closed, and the flood counted under `frame`.
  void expectCalmAfter(const std::string& frames, const std::string& frame) {
    Client client = rawClient();
    client.send(frames);  // the gate may close before it has read them all
    const H2Frame goaway = readH2FrameOfType(client, kH2Goaway, kIoTimeout, 5000);
    ASSERT_TRUE(goaway.ok) << "no GOAWAY for a " << frame << " flood";
    EXPECT_EQ(h2ErrorCode(goaway), kH2EnhanceYourCalm);
    EXPECT_TRUE(client.waitClosed());
    const std::string series = "httpgate_http2_floods_total{frame=\"" + frame + "\"}";
    EXPECT_EQ(waitForSample(admin_, series, 1), 1) << series;
    expectOthersAnswered();
  }

  // Another client still gets its answer.
  void expectOthersAnswered() {
    H2Client other(tlsPort());
    ASSERT_TRUE(other.connected()) << other.error();
    const int32_t id = other.get("/after");
    ASSERT_TRUE(other.waitClosed(id)) << other.error();
    EXPECT_EQ(other.stream(id).status, 200);
  }

  // `count` copies of `frame`.
  static std::string repeated(const std::string& frame, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
      out += frame;
    }
    return out;
  }

  Backend backend_;
  uint16_t admin_ = 0;
};

TEST_F(Http2AttacksTest, RapidResetEndsTheConnection) {
  std::string frames;
  for (uint32_t id = 1; id < 2 * 400; id += 2) {
    frames += h2Frame(kH2Headers, kH2EndHeaders | kH2EndStream, id, h2GetBlock("/reset"));
    frames += h2Frame(kH2RstStream, 0, id, std::string("\0\0\0\x8", 4));  // CANCEL
  }
  expectCalmAfter(frames, "rst_stream");
}

TEST_F(Http2AttacksTest, PingFloodEndsTheConnection) {
  expectCalmAfter(repeated(h2Frame(kH2Ping, 0, 0, std::string(8, 'p')), 1000), "ping");
}

TEST_F(Http2AttacksTest, SettingsFloodEndsTheConnection) {
  expectCalmAfter(repeated(h2Frame(kH2Settings, 0, 0), 1000), "settings");
}

TEST_F(Http2AttacksTest, PriorityFloodEndsTheConnection) {
  std::string frames;
  for (uint32_t id = 1; id < 2 * 1000; id += 2) {
    frames += h2Frame(kH2Priority, 0, id, std::string("\0\0\0\0\x10", 5));
  }
  expectCalmAfter(frames, "priority");
}

TEST_F(Http2AttacksTest, EmptyDataFloodEndsTheConnection) {
  // An upload that never carries a byte.
  std::string frames = h2Frame(kH2Headers, kH2EndHeaders, 1, h2GetBlock("/upload"));
  frames += repeated(h2Frame(kH2Data, 0, 1), 1000);
  expectCalmAfter(frames, "empty_data");
}

// What a well-behaved client sends now and then is answered, not counted.
TEST_F(Http2AttacksTest, AFewPingsAreAnswered) {
  Client client = rawClient();
  ASSERT_TRUE(client.send(repeated(h2Frame(kH2Ping, 0, 0, "12345678"), 20)));
  for (int i = 0; i < 20; ++i) {
    const H2Frame ack = readH2FrameOfType(client, kH2Ping);
    ASSERT_TRUE(ack.ok) << "PING ACK " << i;
    EXPECT_EQ(ack.flags & kH2Ack, kH2Ack);
    EXPECT_EQ(ack.payload, "12345678");
  }
  ASSERT_TRUE(client.send(h2Frame(kH2Headers, kH2EndHeaders | kH2EndStream, 1, h2GetBlock("/ok"))));
  const H2Frame response = readH2FrameOfType(client, kH2Headers);
  ASSERT_TRUE(response.ok);
  EXPECT_EQ(response.stream, 1U);
  EXPECT_EQ(waitForSample(admin_, "httpgate_http2_floods_total{frame=\"ping\"}", 0), 0);
}

// A header block in endless CONTINUATION frames: the session ends after a
// few, the fields never reach a backend.
TEST_F(Http2AttacksTest, ContinuationFloodEndsTheConnection) {
  Client client = rawClient();
  std::string frames = h2Frame(kH2Headers, kH2EndStream, 1, h2GetBlock("/continued"));
  for (int i = 0; i < 200; ++i) {
    frames += h2Frame(kH2Continuation, 0, 1, h2LiteralField("x-more", std::string(100, 'c')));
  }
  client.send(frames);
  const H2Frame goaway = readH2FrameOfType(client, kH2Goaway, kIoTimeout, 100);
  ASSERT_TRUE(goaway.ok) << "no GOAWAY for a CONTINUATION flood";
  EXPECT_EQ(h2ErrorCode(goaway), kH2EnhanceYourCalm);
  EXPECT_TRUE(client.waitClosed());
  EXPECT_EQ(backend_.requestCount(), 0U);
  EXPECT_EQ(waitForSample(admin_, "httpgate_http2_floods_total{frame=\"continuation\"}", 1), 1);
  expectOthersAnswered();
}

// An HPACK bomb: one large field put in the dynamic table once and
// referenced a thousand times, a few KiB on the wire for 3 MB of fields.
// The stream gets its 431; the connection goes on.
TEST_F(Http2AttacksTest, HpackBombIsAnswered431) {
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  H2Fields fields = {
      {":method", "GET"}, {":scheme", "https"}, {":authority", "gate.test"}, {":path", "/bomb"}};
  for (int i = 0; i < 1000; ++i) {
    fields.emplace_back("x-bomb", std::string(3000, 'b'));
  }
  const int32_t bomb = client.submit(fields);
  ASSERT_TRUE(client.waitClosed(bomb)) << client.error();
  EXPECT_EQ(client.stream(bomb).status, 431) << "reset " << client.stream(bomb).resetCode;
  const int32_t next = client.get("/next");
  ASSERT_TRUE(client.waitClosed(next)) << client.error();
  EXPECT_EQ(client.stream(next).status, 200);
  ASSERT_EQ(backend_.requestCount(), 1U);
  EXPECT_EQ(backend_.requests()[0].target, "/next");
}

// A client that never opens its window for the response: the stream is
// reset after timeouts.response, and its backend connection let go.
TEST_F(Http2AttacksTest, AWindowThatNeverOpensIsResetAfterTheResponseTimeout) {
  Backend big([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.body = std::string(200 * 1024, 'z');
    return reply;
  });
  H2Client client(tlsPort(), {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}});
  ASSERT_TRUE(client.connected()) << client.error();
  const int32_t id = client.get("/" + std::to_string(big.port()) + "/big");
  ASSERT_TRUE(client.waitClosed(id, Millis{10000})) << "the stalled stream was never reset";
  const H2StreamResult& stalled = client.stream(id);
  EXPECT_EQ(stalled.status, 200);  // HEADERS are not flow-controlled
  EXPECT_TRUE(stalled.data.empty());
  EXPECT_TRUE(stalled.reset);
  EXPECT_NE(stalled.resetCode, static_cast<uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_EQ(waitForSample(admin_, "httpgate_http2_streams_open", 0), 0);
}

// A stream that announces a body and never sends it: 408 after
// timeouts.request_body, on that stream alone.
TEST_F(Http2AttacksTest, ABodyThatNeverComesIsAnswered408) {
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const int32_t silent = client.submit(
      {{":method", "POST"}, {":scheme", "https"}, {":authority", "gate.test"}, {":path", "/up"}},
      std::nullopt, true);
  const int32_t other = client.get("/meanwhile");
  ASSERT_TRUE(client.waitClosed(other)) << client.error();
  EXPECT_EQ(client.stream(other).status, 200);
  ASSERT_TRUE(client.waitClosed(silent, Millis{10000})) << client.error();
  EXPECT_EQ(client.stream(silent).status, 408);
}

}  // namespace
}  // namespace httpgate::test
