// HTTP/2 connections across reloads, with libnghttp2's client: an open
// connection's new streams follow the reloaded routes with no stream
// failing, and a reload that turns http2 off on the listener drains the
// open HTTP/2 connections (GOAWAY; streams in flight finish) while new
// connections get HTTP/1.1. And the Host rules of RFC 9113 8.3.1 as a real
// client sends them.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/backend.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/h2_client.h"

namespace httpgate::test {
namespace {

const std::regex kReloaded("configuration reloaded");

class Http2LifecycleTest : public GateTest {
 protected:
  std::string yaml(uint16_t port, std::string_view listenerLines = "") const {
    return "listen:\n" + tlsListenerYaml({cert_}, "127.0.0.1:0", listenerLines) +
           "workers: 1\nroutes:\n  default: " + std::to_string(port) +
           "\nlog:\n  access: \"off\"\n";
  }

  void reload(const std::string& text) {
    const size_t from = gate().logSize();
    gate().rewriteConfig(text);
    gate().sendSignal(SIGHUP);
    ASSERT_TRUE(gate().waitForLog(kReloaded, Millis{5000}, from)) << gate().log();
  }

  Backend a_;
  Backend b_;
};

// Batches of streams on one connection, a reload during each: every stream
// is answered, by the old route or the new one.
TEST_F(Http2LifecycleTest, StreamsAcrossReloadsNeverFail) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(a_.port())));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  int fromA = 0;
  int fromB = 0;
  std::vector<std::string> failures;
  for (int round = 1; round <= 6; ++round) {
    std::vector<std::pair<int32_t, std::string>> batch;
    for (int i = 0; i < 20; ++i) {
      const std::string path = "/r" + std::to_string(round) + "-" + std::to_string(i);
      batch.emplace_back(client.get(path), path);
    }
    ASSERT_NO_FATAL_FAILURE(reload(yaml(round % 2 == 1 ? b_.port() : a_.port())));
    for (const auto& [id, path] : batch) {
      ASSERT_TRUE(client.waitClosed(id)) << client.error();
      const H2StreamResult& got = client.stream(id);
      if (got.status == 200 && got.data == Backend::defaultBody(a_.port(), path)) {
        ++fromA;
      } else if (got.status == 200 && got.data == Backend::defaultBody(b_.port(), path)) {
        ++fromB;
      } else {
        failures.push_back(path + ": status " + std::to_string(got.status) + ", reset " +
                           std::to_string(got.resetCode));
      }
    }
  }
  EXPECT_TRUE(failures.empty()) << failures.size()
                                << " failed streams, the first: " << failures.front();
  EXPECT_EQ(fromA + fromB, 120);
  // The last reload pointed the default at a; the same connection follows.
  const int32_t after = client.get("/after");
  ASSERT_TRUE(client.waitClosed(after)) << client.error();
  EXPECT_EQ(client.stream(after).data, Backend::defaultBody(a_.port(), "/after"));
  EXPECT_FALSE(client.goawayReceived());
}

TEST_F(Http2LifecycleTest, TurningHttp2OffDrainsOpenConnections) {
  Backend slow([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.delay = Millis{1500};
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(slow.port())));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const int32_t inFlight = client.get("/in-flight");
  ASSERT_TRUE(slow.waitForRequests(1, kIoTimeout));
  ASSERT_NO_FATAL_FAILURE(reload(yaml(slow.port(), "    http2: false\n")));

  ASSERT_TRUE(client.waitClosed(inFlight, Millis{10000})) << client.error();
  EXPECT_EQ(client.stream(inFlight).status, 200);
  EXPECT_EQ(client.stream(inFlight).data, Backend::defaultBody(slow.port(), "/in-flight"));
  ASSERT_TRUE(client.runUntil([&] { return client.ended(); }, Millis{10000}))
      << "the HTTP/2 connection was not closed after its last stream";
  EXPECT_TRUE(client.goawayReceived());
  EXPECT_EQ(client.goawayError(), static_cast<uint32_t>(NGHTTP2_NO_ERROR));
  // New connections speak HTTP/1.1 only.
  H2Client refused(tlsPort());
  EXPECT_FALSE(refused.connected());
  Client http11 = Client::tls(tlsPort());
  ASSERT_TRUE(http11.connected()) << http11.error();
  EXPECT_EQ(http11.tlsStream()->alpn(), "http/1.1");
  EXPECT_EQ(http11.exchange(getRequest("/again")).status, 200);
}

// :authority is the Host; a host field that names another one makes the
// request malformed (a stream error), one that agrees is taken once.
TEST_F(Http2LifecycleTest, AHostThatDisagreesWithTheAuthorityIsAStreamError) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(a_.port())));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const H2Fields base = {
      {":method", "GET"}, {":scheme", "https"}, {":authority", "gate.test"}, {":path", "/h"}};
  H2Fields other = base;
  other.emplace_back("host", "evil.test");
  H2Fields same = base;
  same.emplace_back("host", "gate.test");
  const int32_t bad = client.submit(other);
  const int32_t good = client.submit(same);
  ASSERT_TRUE(client.waitClosed(bad)) << client.error();
  ASSERT_TRUE(client.waitClosed(good)) << client.error();
  EXPECT_TRUE(client.stream(bad).reset);
  EXPECT_EQ(client.stream(bad).resetCode, static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(client.stream(good).status, 200);
  ASSERT_EQ(a_.requestCount(), 1U);
  const RecordedRequest seen = a_.requests()[0];
  EXPECT_EQ(seen.field("Host"), "gate.test");
  EXPECT_EQ(seen.head.find("evil"), std::string::npos);
  EXPECT_EQ(countField(seen.fields, "Host"), 1U) << seen.head;
}

}  // namespace
}  // namespace httpgate::test
