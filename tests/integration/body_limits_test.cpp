// limits.max_request_body and an app's own max_request_body: a
// Content-Length above the limit is 413 before a byte reaches the backend;
// a chunked body that passes it is 413 while no response has begun, and the
// backend connection that got part of it is closed, so the backend never
// sees a complete request. Over both body paths (picolisp re-framing and
// streaming).
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

std::string chunkedPost(std::string_view target, std::string_view body) {
  std::string request = "POST " + std::string(target) +
                        " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < body.size(); at += 1000) {
    const std::string_view piece = body.substr(at, 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    request += size;
    request += piece;
    request += "\r\n";
  }
  return request + "0\r\n\r\n";
}

class BodyLimitsTest : public GateTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    const std::string routes =
        fillIn(R"(  apps:
    big:
      port: {big}
      max_request_body: 1MiB
    free:
      port: {free}
      max_request_body: 0
)",
               {{"big", std::to_string(big_.port())}, {"free", std::to_string(free_.port())}});
    const std::string top = std::string("limits:\n  max_request_body: 10KiB\n") +
                            "headers:\n  picolisp: " + (GetParam() ? "true" : "false") + "\n";
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port(), routes, top)));
  }

  Backend backend_{digestReply};
  Backend big_{digestReply};
  Backend free_{digestReply};
};

TEST_P(BodyLimitsTest, ContentLengthOverTheLimitIs413BeforeAnyByteIsForwarded) {
  Client client = Client::tls(tlsPort());
  // Only the head: the gate must answer without waiting for the body.
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 10241\r\n\r\n"));
  const HttpResponse response = client.readResponse(false, Millis{3000});
  EXPECT_TRUE(isGateResponse(response, 413, true)) << response.describe();
  EXPECT_TRUE(client.waitClosed(Millis{3000}));
  EXPECT_EQ(backend_.connectionCount(), 0u) << "the backend was contacted";
}

TEST_P(BodyLimitsTest, ABodyAtTheLimitPasses) {
  Client client = Client::tls(tlsPort());
  const std::string body = patternBytes(10 * 1024, 1);
  for (const std::string& request : {postRequest("/upload", body), chunkedPost("/upload", body)}) {
    const HttpResponse response = client.exchange(request);
    ASSERT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(response.body, sha256Hex(body));
  }
}

TEST_P(BodyLimitsTest, ChunkedBodyOverTheLimitIs413AndNeverReachesTheBackendWhole) {
  Client client = Client::tls(tlsPort());
  const std::string body = patternBytes(10 * 1024 + 1, 2);
  const HttpResponse response = client.exchange(chunkedPost("/upload", body));
  EXPECT_TRUE(isGateResponse(response, 413, true)) << response.describe();
  EXPECT_TRUE(client.waitClosed(Millis{3000}));
  for (const RecordedRequest& request : backend_.requests()) {
    EXPECT_FALSE(request.complete) << "the backend took a cut body for a whole request";
  }
}

TEST_P(BodyLimitsTest, AnAppsOwnLimitReplacesTheGlobalOne) {
  Client client = Client::tls(tlsPort());
  const std::string medium = patternBytes(500 * 1024, 3);
  for (const std::string& request :
       {postRequest("/big/upload", medium), chunkedPost("/big/upload", medium),
        postRequest("/free/upload", medium)}) {
    const HttpResponse response = client.exchange(request, false, Millis{10'000});
    ASSERT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(response.body, sha256Hex(medium));
  }
  Client over = Client::tls(tlsPort());
  ASSERT_TRUE(
      over.send("POST /big/upload HTTP/1.1\r\nHost: gate.test\r\n"
                "Content-Length: 1048577\r\n\r\n"));
  const HttpResponse response = over.readResponse(false, Millis{3000});
  EXPECT_TRUE(isGateResponse(response, 413, true)) << response.describe();
  EXPECT_EQ(big_.requestCount(), 2u);
}

INSTANTIATE_TEST_SUITE_P(BodyPaths, BodyLimitsTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Reframed" : "Streamed";
                         });

}  // namespace
}  // namespace httpgate::test
