// Chunked request bodies on PicoLisp routes (headers.picolisp: true): the
// backend gets them decoded, with a Content-Length, because PicoLisp's http.l
// reads no other framing. Over limits.max_reframed_body the gate answers 413.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

constexpr Millis kBulkTimeout{30'000};
constexpr size_t kMiB = 1024 * 1024;

// `body` in chunks whose sizes cycle through `sizes`, with a trailer field.
std::string chunkedBody(const std::string& body, const std::vector<size_t>& sizes) {
  std::string chunked;
  size_t at = 0;
  for (size_t i = 0; at < body.size(); ++i) {
    const size_t size = std::min(sizes[i % sizes.size()], body.size() - at);
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", size);
    chunked += line;
    chunked.append(body, at, size);
    chunked += "\r\n";
    at += size;
  }
  return chunked + "0\r\nX-Checksum: 42\r\n\r\n";
}

std::string chunkedPost(std::string_view target, std::string_view chunked,
                        std::string_view extraFields = "") {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: gate.test\r\n" +
         std::string(extraFields) + "Transfer-Encoding: chunked\r\n\r\n" + std::string(chunked);
}

class PicolispReframeTest : public GateTest {
 protected:
  void startWith(std::string_view topLevel) {
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, fallback_.port(), "", topLevel)));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  Backend fallback_;
  Client client_;
};

TEST_F(PicolispReframeTest, ChunkedPostArrivesWithContentLength) {
  ASSERT_NO_FATAL_FAILURE(startWith("headers:\n  picolisp: true\n"));
  Backend echo(echoReply);
  const std::string chunked = "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
  const HttpResponse response = client_.exchange(chunkedPost(pathTo(echo, "/up"), chunked));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, "helloabcdefghijklmnopqrstuvwxyz");
  ASSERT_EQ(echo.requestCount(), 1U);
  const RecordedRequest request = echo.requests()[0];
  EXPECT_EQ(request.rawBody, "helloabcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(request.field("Content-Length"), "31");
  EXPECT_FALSE(request.field("Transfer-Encoding"));
  EXPECT_NE(request.head.find("\r\nContent-Length: 31\r\n\r\n"), std::string::npos) << request.head;
}

TEST_F(PicolispReframeTest, MultiMebibyteBodyInOddChunksArrivesExactly) {
  ASSERT_NO_FATAL_FAILURE(startWith(""));  // headers.picolisp is true by default
  Backend digest(digestReply);
  const std::string body = patternBytes(5 * kMiB + 3, 7);
  const std::string chunked = chunkedBody(body, {1, 65536, 4095, 16384 + 7, 300001, 12345});
  const HttpResponse response =
      client_.exchange(chunkedPost(pathTo(digest, "/big"), chunked), false, kBulkTimeout);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, sha256Hex(body));
  ASSERT_EQ(digest.requestCount(), 1U);
  const RecordedRequest request = digest.requests()[0];
  EXPECT_EQ(request.field("Content-Length"), std::to_string(body.size()));
  EXPECT_FALSE(request.field("Transfer-Encoding"));
  EXPECT_EQ(request.rawBody.size(), body.size());
  EXPECT_EQ(sha256Hex(request.rawBody), sha256Hex(body));
}

TEST_F(PicolispReframeTest, BodyOverTheLimitGets413AndClose) {
  ASSERT_NO_FATAL_FAILURE(startWith("limits:\n  max_reframed_body: 64KiB\n"));
  Backend echo(echoReply);
  const std::string body = patternBytes(64 * 1024 + 1, 3);
  const HttpResponse response =
      client_.exchange(chunkedPost(pathTo(echo, "/up"), chunkedBody(body, {4000})));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_TRUE(isGateResponse(response, 413, true));
  EXPECT_TRUE(client_.waitClosed(Millis{5000}));
  EXPECT_EQ(echo.requestCount(), 0U);
}

TEST_F(PicolispReframeTest, BodyAtTheLimitPasses) {
  ASSERT_NO_FATAL_FAILURE(startWith("limits:\n  max_reframed_body: 64KiB\n"));
  Backend digest(digestReply);
  const std::string body = patternBytes(64 * 1024, 4);
  const HttpResponse response =
      client_.exchange(chunkedPost(pathTo(digest, "/up"), chunkedBody(body, {4000})));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, sha256Hex(body));
}

TEST_F(PicolispReframeTest, NonPicolispGateForwardsChunkedVerbatim) {
  ASSERT_NO_FATAL_FAILURE(startWith("headers:\n  picolisp: false\n"));
  Backend echo(echoReply);
  const std::string chunked = chunkedBody("hello, world", {5});
  const HttpResponse response = client_.exchange(chunkedPost(pathTo(echo, "/up"), chunked));
  ASSERT_TRUE(response.complete) << response.describe();
  ASSERT_EQ(echo.requestCount(), 1U);
  EXPECT_EQ(echo.requests()[0].rawBody, chunked);
  EXPECT_EQ(echo.requests()[0].field("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(echo.requests()[0].field("Content-Length"));
}

TEST_F(PicolispReframeTest, PipelinedRequestAfterAReframedOneWorks) {
  ASSERT_NO_FATAL_FAILURE(startWith(""));
  Backend echo(echoReply);
  ASSERT_TRUE(client_.send(chunkedPost(pathTo(echo, "/one"), chunkedBody("first body", {3})) +
                           postRequest(pathTo(echo, "/two"), "second") +
                           chunkedPost(pathTo(echo, "/three"), chunkedBody("third", {1}))));
  const HttpResponse first = client_.readResponse();
  const HttpResponse second = client_.readResponse();
  const HttpResponse third = client_.readResponse();
  EXPECT_EQ(first.body, "first body") << first.describe();
  EXPECT_EQ(second.body, "second") << second.describe();
  EXPECT_EQ(third.body, "third") << third.describe();
  ASSERT_EQ(echo.requestCount(), 3U);
  EXPECT_EQ(echo.requests()[2].field("Content-Length"), "5");
}

TEST_F(PicolispReframeTest, ExpectContinueIsAnsweredByTheGate) {
  ASSERT_NO_FATAL_FAILURE(startWith(""));
  Backend echo(echoReply);
  ASSERT_TRUE(client_.send("POST " + pathTo(echo, "/c") +
                           " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: chunked\r\n"
                           "Expect: 100-continue\r\n\r\n"));
  const HttpResponse interim = client_.readResponse(false, Millis{3000});
  ASSERT_TRUE(interim.complete) << interim.describe();
  ASSERT_EQ(interim.status, 100) << interim.describe();
  ASSERT_TRUE(client_.send("5\r\nhello\r\n0\r\n\r\n"));
  const HttpResponse response = client_.readResponse();
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, "hello");
  ASSERT_EQ(echo.requestCount(), 1U);
  EXPECT_FALSE(echo.requests()[0].field("Expect"));  // the backend never waits to send a 100
}

TEST_F(PicolispReframeTest, BadChunkingGets400) {
  ASSERT_NO_FATAL_FAILURE(startWith(""));
  Backend echo(echoReply);
  const HttpResponse response =
      client_.exchange(chunkedPost(pathTo(echo, "/up"), "5\r\nhelloXX0\r\n\r\n"));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_TRUE(isGateResponse(response, 400, true));
  EXPECT_EQ(echo.requestCount(), 0U);
}

TEST_F(PicolispReframeTest, RepeatedContentLengthReachesPicolispOnce) {
  ASSERT_NO_FATAL_FAILURE(startWith(""));
  Backend echo(echoReply);
  const HttpResponse response = client_.exchange(
      "POST " + pathTo(echo, "/f") +
      " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(response.complete) << response.describe();
  ASSERT_EQ(echo.requestCount(), 1U);
  EXPECT_EQ(countField(echo.requests()[0].fields, "Content-Length"), 1U);
  EXPECT_EQ(echo.requests()[0].field("Content-Length"), "5");
}

}  // namespace
}  // namespace httpgate::test
