// Message framing through the gate: pipelining, request and response
// bodies of every framing, bodiless responses on kept-alive connections,
// 100-continue, and Connection: close in both directions.
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

class HttpFramingTest : public GateTest {
 protected:
  // Starts the gate with `fallback_` as the default port and a TLS client.
  // Without headers.picolisp, so that chunked bodies stream through verbatim
  // (picolisp_reframe_test.cpp has the re-framing of PicoLisp routes).
  void SetUp() override {
    GateTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(
        startGate(standardGateYaml(cert_, fallback_.port(), "", "headers:\n  picolisp: false\n")));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  // A GET on the same connection still works and reaches `backend`.
  void expectConnectionStillWorks(const Backend& backend) {
    const HttpResponse response = client_.exchange(getRequest(pathTo(backend, "/next")));
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.body, Backend::defaultBody(backend.port(), "/next"));
  }

  Backend fallback_;
  Client client_;
};

TEST_F(HttpFramingTest, PipelinedRequestsToDifferentBackendsAreAnsweredInOrder) {
  Backend a;
  Backend b;
  const std::string three = getRequest(pathTo(a, "/1")) + getRequest(pathTo(b, "/2")) +
                            getRequest("/third");  // to the default port
  ASSERT_TRUE(client_.send(three));
  const HttpResponse first = client_.readResponse();
  const HttpResponse second = client_.readResponse();
  const HttpResponse third = client_.readResponse();
  EXPECT_EQ(first.body, Backend::defaultBody(a.port(), "/1")) << first.describe();
  EXPECT_EQ(second.body, Backend::defaultBody(b.port(), "/2")) << second.describe();
  EXPECT_EQ(third.body, Backend::defaultBody(fallback_.port(), "/third")) << third.describe();
}

TEST_F(HttpFramingTest, PostWithContentLengthReachesBackendUnchanged) {
  Backend echo(echoReply);
  const std::string body = "name=value&x=%20&bin=\r\n\x01";
  const HttpResponse response = client_.exchange(postRequest(pathTo(echo, "/form"), body));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, body);
  ASSERT_EQ(echo.requestCount(), 1U);
  const RecordedRequest request = echo.requests()[0];
  EXPECT_EQ(request.rawBody, body);
  EXPECT_EQ(request.field("Content-Length"), std::to_string(body.size()));
  EXPECT_FALSE(request.field("Transfer-Encoding"));
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, ChunkedUploadArrivesUnchanged) {
  Backend echo(echoReply);
  const std::string chunked = "5\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
  const HttpResponse response = client_.exchange("POST " + pathTo(echo, "/up") +
                                                 " HTTP/1.1\r\nHost: gate.test\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n" +
                                                 chunked);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, "helloabcdefghijklmnopqrstuvwxyz");
  ASSERT_EQ(echo.requestCount(), 1U);
  EXPECT_EQ(echo.requests()[0].rawBody, chunked);
  EXPECT_EQ(echo.requests()[0].field("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(echo.requests()[0].field("Content-Length"));
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, ChunkedUploadWithExtensionAndTrailerArrivesUnchanged) {
  Backend echo(echoReply);
  const std::string chunked = "4;name=value\r\nabcd\r\n0\r\nX-Checksum: 42\r\n\r\n";
  const HttpResponse response = client_.exchange("POST " + pathTo(echo, "/up") +
                                                 " HTTP/1.1\r\nHost: gate.test\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n" +
                                                 chunked);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, "abcd");
  ASSERT_EQ(echo.requestCount(), 1U);
  EXPECT_EQ(echo.requests()[0].rawBody, chunked);
}

TEST_F(HttpFramingTest, TenMebibyteUploadWithContentLengthArrivesIntact) {
  Backend digest(digestReply);
  const std::string body = patternBytes(10 * kMiB, 1);
  const HttpResponse response =
      client_.exchange(postRequest(pathTo(digest, "/big"), body), false, kBulkTimeout);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, sha256Hex(body));
  ASSERT_EQ(digest.requestCount(), 1U);
  EXPECT_EQ(digest.requests()[0].rawBody.size(), body.size());
}

TEST_F(HttpFramingTest, TenMebibyteChunkedUploadArrivesUnchanged) {
  Backend digest(digestReply);
  const std::string body = patternBytes(10 * kMiB, 2);
  std::string chunked;
  // Chunk sizes that straddle the gate's buffers in different ways.
  const size_t sizes[] = {1, 65536, 4095, 16384 + 7, 300000, 12345};
  size_t at = 0;
  for (size_t i = 0; at < body.size(); ++i) {
    const size_t size = std::min(sizes[i % std::size(sizes)], body.size() - at);
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", size);
    chunked += line;
    chunked.append(body, at, size);
    chunked += "\r\n";
    at += size;
  }
  chunked += "0\r\n\r\n";
  const HttpResponse response = client_.exchange("POST " + pathTo(digest, "/big") +
                                                     " HTTP/1.1\r\nHost: gate.test\r\n"
                                                     "Transfer-Encoding: chunked\r\n\r\n" +
                                                     chunked,
                                                 false, kBulkTimeout);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, sha256Hex(body));
  ASSERT_EQ(digest.requestCount(), 1U);
  EXPECT_EQ(sha256Hex(digest.requests()[0].rawBody), sha256Hex(chunked));
}

TEST_F(HttpFramingTest, EightMebibyteResponseArrivesIntact) {
  const std::string body = patternBytes(8 * kMiB, 3);
  Backend big([&body](const RecordedRequest&) {
    BackendReply reply;
    reply.body = body;
    return reply;
  });
  const HttpResponse response =
      client_.exchange(getRequest(pathTo(big, "/big")), false, kBulkTimeout);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body.size(), body.size());
  EXPECT_EQ(sha256Hex(response.body), sha256Hex(body));
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, ChunkedResponseArrivesIntactAndConnectionIsReused) {
  const std::string body = patternBytes(200'000, 4);
  Backend chunked([&body](const RecordedRequest&) {
    BackendReply reply;
    reply.body = body;
    reply.framing = BackendReply::Framing::Chunked;
    reply.chunkSize = 1000;
    return reply;
  });
  const HttpResponse response = client_.exchange(getRequest(pathTo(chunked, "/c")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(sha256Hex(response.body), sha256Hex(body));
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, CloseDelimitedResponseArrivesIntact) {
  const std::string body = patternBytes(50'000, 5);
  Backend untilClose([&body](const RecordedRequest&) {
    BackendReply reply;
    reply.body = body;
    reply.framing = BackendReply::Framing::UntilClose;
    return reply;
  });
  const HttpResponse response = client_.exchange(getRequest(pathTo(untilClose, "/c")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(sha256Hex(response.body), sha256Hex(body));
  // Passed on as it came, framed by the close: the gate says so and closes.
  EXPECT_EQ(response.head, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
      << printable(response.head);
  EXPECT_EQ(response.framing, BodyFraming::UntilClose);
  EXPECT_TRUE(client_.waitClosed(Millis{2000})) << "the connection stayed open";
}

TEST_F(HttpFramingTest, HeadResponseWithContentLengthIsFollowedByAnotherRequest) {
  Backend head([](const RecordedRequest&) {
    BackendReply reply;
    reply.framing = BackendReply::Framing::NoFraming;
    reply.fields.emplace_back("Content-Length", "1234");
    return reply;
  });
  const HttpResponse response =
      client_.exchange("HEAD " + pathTo(head, "/h") + " HTTP/1.1\r\nHost: gate.test\r\n\r\n", true);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.field("Content-Length"), "1234");
  ASSERT_EQ(head.requestCount(), 1U);
  EXPECT_EQ(head.requests()[0].method, "HEAD");
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, NoContentResponseIsFollowedByAnotherRequest) {
  Backend noContent([](const RecordedRequest&) {
    BackendReply reply;
    reply.status = 204;
    reply.reason = "No Content";
    reply.framing = BackendReply::Framing::NoFraming;
    return reply;
  });
  const HttpResponse response = client_.exchange(getRequest(pathTo(noContent, "/n")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 204);
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, NotModifiedWithContentLengthIsFollowedByAnotherRequest) {
  // A 304 never has a body, whatever its Content-Length says (RFC 9112 6.3).
  Backend notModified([](const RecordedRequest&) {
    BackendReply reply;
    reply.status = 304;
    reply.reason = "Not Modified";
    reply.framing = BackendReply::Framing::NoFraming;
    reply.fields = {{"ETag", "\"v1\""}, {"Content-Length", "50"}};
    return reply;
  });
  const HttpResponse response =
      client_.exchange(getRequest(pathTo(notModified, "/m"), "If-None-Match: \"v1\"\r\n"));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 304);
  EXPECT_EQ(response.field("ETag"), "\"v1\"");
  expectConnectionStillWorks(fallback_);
}

TEST_F(HttpFramingTest, ExpectContinueGets100BeforeTheBodyIsSent) {
  Backend echo(echoReply);
  ASSERT_TRUE(client_.send("POST " + pathTo(echo, "/c") +
                           " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 5\r\n"
                           "Expect: 100-continue\r\n\r\n"));
  const HttpResponse interim = client_.readResponse(false, Millis{3000});
  ASSERT_TRUE(interim.complete) << interim.describe();
  ASSERT_EQ(interim.status, 100) << interim.describe();
  ASSERT_TRUE(client_.send("hello"));
  const HttpResponse response = client_.readResponse();
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
}

TEST_F(HttpFramingTest, ClientConnectionCloseIsHonoured) {
  const HttpResponse response = client_.exchange(getRequest("/bye", "Connection: close\r\n"));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, Backend::defaultBody(fallback_.port(), "/bye"));
  EXPECT_TRUE(response.announcesClose()) << response.describe();
  EXPECT_TRUE(client_.waitClosed(Millis{2000}));
}

TEST_F(HttpFramingTest, BackendCloseKeepsTheClientConnection) {
  Backend closing([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.close = true;
    return reply;
  });
  const HttpResponse first = client_.exchange(getRequest(pathTo(closing, "/1")));
  ASSERT_TRUE(first.complete) << first.describe();
  EXPECT_EQ(first.body, Backend::defaultBody(closing.port(), "/1"));
  EXPECT_FALSE(first.announcesClose()) << "the backend's close is hop-by-hop: " << first.describe();
  const HttpResponse second = client_.exchange(getRequest(pathTo(closing, "/2")));
  ASSERT_TRUE(second.complete) << second.describe();
  EXPECT_EQ(second.body, Backend::defaultBody(closing.port(), "/2"));
  EXPECT_EQ(closing.connectionCount(), 2U);
}

TEST_F(HttpFramingTest, Http10RequestIsForwardedAsHttp10) {
  Backend backend;
  const HttpResponse response =
      client_.exchange("GET " + pathTo(backend, "/old") + " HTTP/1.0\r\nHost: gate.test\r\n\r\n");
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, Backend::defaultBody(backend.port(), "/old"));
  ASSERT_EQ(backend.requestCount(), 1U);
  const std::string head = backend.requests()[0].head;
  EXPECT_EQ(head.substr(0, head.find("\r\n") + 2), "GET /old HTTP/1.0\r\n");
  // The gate asks to keep its backend connection and pools it: the next
  // HTTP/1.0 request (a keep-alive one, so it comes to the same worker) is
  // served on the same backend connection.
  EXPECT_EQ(backend.requests()[0].field("Connection").value_or(""), "keep-alive");
  Client second = Client::tls(tlsPort());
  ASSERT_TRUE(second.connected()) << second.error();
  for (const char* path : {"/k1", "/k2"}) {
    const HttpResponse again = second.exchange("GET " + pathTo(backend, path) +
                                               " HTTP/1.0\r\nHost: gate.test\r\n"
                                               "Connection: keep-alive\r\n\r\n");
    ASSERT_TRUE(again.complete) << again.describe();
    EXPECT_EQ(again.body, Backend::defaultBody(backend.port(), path));
  }
  EXPECT_LE(backend.connectionCount(), 2U);  // one per worker at most
  const auto requests = backend.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[1].connection, requests[2].connection);
}

}  // namespace
}  // namespace httpgate::test

namespace httpgate::test {
namespace {

class ResponseHeadLimitTest : public GateTest {};

TEST_F(ResponseHeadLimitTest, LargeResponseHeadPassesWithASmallRequestHeaderLimit) {
  // limits.max_request_header bounds what clients send; a backend's response
  // head may still fill the 16 KiB input buffer (big Set-Cookie fields).
  const std::string cookie(10 * 1024, 'c');
  Backend backend([&cookie](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.fields.emplace_back("Set-Cookie", "big=" + cookie);
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(startGate(
      standardGateYaml(cert_, backend.port(), "", "limits:\n  max_request_header: 4KiB\n")));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response = client.exchange(getRequest(pathTo(backend, "/c")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.field("Set-Cookie").value_or(""), "big=" + cookie);
}

TEST_F(ResponseHeadLimitTest, ResponseHeadLargerThanTheBufferIs502) {
  const std::string cookie(20 * 1024, 'c');
  Backend backend([&cookie](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.fields.emplace_back("Set-Cookie", "big=" + cookie);
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend.port())));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response = client.exchange(getRequest(pathTo(backend, "/c")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_TRUE(isGateResponse(response, 502, false));
}

}  // namespace
}  // namespace httpgate::test
