// Self-tests of the harness (tests/support) without the gate: the client
// against the scripted backend directly. If these fail, the gate tests
// cannot be trusted either way.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdio>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/certificates.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/log_buffer.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

TEST(Harness, BackendRecordsRequestsAndClientReadsPipelinedResponses) {
  Backend backend;
  Client client = Client::plain(backend.port());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string first = getRequest("/one", "X-A:  spaced  \r\n");
  const std::string second = postRequest("/two", "hello");
  ASSERT_TRUE(client.send(first + second));
  const HttpResponse a = client.readResponse();
  const HttpResponse b = client.readResponse();
  ASSERT_TRUE(a.complete) << a.describe();
  ASSERT_TRUE(b.complete) << b.describe();
  EXPECT_EQ(a.body, Backend::defaultBody(backend.port(), "/one"));
  EXPECT_EQ(b.body, Backend::defaultBody(backend.port(), "/two"));
  ASSERT_TRUE(backend.waitForRequests(2, kIoTimeout));
  const auto requests = backend.requests();
  EXPECT_EQ(requests[0].head, first);
  EXPECT_EQ(requests[0].field("X-A"), "spaced");
  EXPECT_EQ(requests[1].rawBody, "hello");
  EXPECT_EQ(requests[1].connection, 1U);
  EXPECT_EQ(backend.connectionCount(), 1U);
}

TEST(Harness, ChunkedUntilCloseAndHeadFraming) {
  Backend backend([](const RecordedRequest& request) {
    BackendReply reply;
    reply.body = patternBytes(10000, 7);
    if (request.target == "/chunked") {
      reply.framing = BackendReply::Framing::Chunked;
      reply.chunkSize = 999;
    } else if (request.target == "/close") {
      reply.framing = BackendReply::Framing::UntilClose;
    } else if (request.method == "HEAD") {
      reply.framing = BackendReply::Framing::NoFraming;
      reply.fields.emplace_back("Content-Length", "10000");
    }
    return reply;
  });
  Client client = Client::plain(backend.port());
  const HttpResponse chunked = client.exchange(getRequest("/chunked"));
  ASSERT_TRUE(chunked.complete) << chunked.describe();
  EXPECT_EQ(chunked.framing, BodyFraming::Chunked);
  EXPECT_EQ(sha256Hex(chunked.body), sha256Hex(patternBytes(10000, 7)));
  const HttpResponse head = client.exchange("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n", true);
  ASSERT_TRUE(head.complete) << head.describe();
  EXPECT_TRUE(head.body.empty());
  const HttpResponse untilClose = client.exchange(getRequest("/close"));
  ASSERT_TRUE(untilClose.complete) << untilClose.describe();
  EXPECT_EQ(untilClose.framing, BodyFraming::UntilClose);
  EXPECT_EQ(untilClose.body.size(), 10000U);
  EXPECT_TRUE(client.waitClosed(Millis{1000}));
}

TEST(Harness, ChunkedRequestBodyIsRecordedRaw) {
  Backend backend(echoReply);
  Client client = Client::plain(backend.port());
  const std::string body = "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
  const HttpResponse response =
      client.exchange("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, "abc0123456789");
  ASSERT_EQ(backend.requestCount(), 1U);
  EXPECT_EQ(backend.requests()[0].rawBody, body);
}

TEST(Harness, TunnelEchoesAndDyingBackendCloses) {
  Backend backend([](const RecordedRequest& request) {
    BackendReply reply;
    if (request.target == "/ws") {
      reply.status = 101;
      reply.reason = "Switching Protocols";
      reply.framing = BackendReply::Framing::NoFraming;
      reply.tunnel = true;
      reply.tunnelGreeting = "hi";
    } else {
      reply.body = std::string(1000, 'x');
      reply.dieAfter = 100;
    }
    return reply;
  });
  Client ws = Client::plain(backend.port());
  const HttpResponse switched = ws.exchange(getRequest("/ws"));
  ASSERT_EQ(switched.status, 101) << switched.describe();
  EXPECT_EQ(ws.readBytes(2), "hi");
  const std::string binary("ping\r\n\0x", 8);
  ASSERT_TRUE(ws.send(binary));
  EXPECT_EQ(ws.readBytes(binary.size()), binary);

  Client dying = Client::plain(backend.port());
  const HttpResponse broken = dying.exchange(getRequest("/die"));
  EXPECT_FALSE(broken.complete);
}

TEST(Harness, RefusingSilentAndBlackholePorts) {
  std::string error;
  EXPECT_FALSE(connectTcp("127.0.0.1", refusingPort(), Millis{1000}, &error).valid());
  EXPECT_EQ(error, "Connection refused");
  SilentListener silent;
  Client client = Client::plain(silent.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(getRequest("/")));
  EXPECT_FALSE(client.readResponse(false, Millis{200}).complete);
  Blackhole hole;
  if (hole.works()) {
    EXPECT_FALSE(connectTcp("127.0.0.1", hole.port(), Millis{300}).valid());
  }
}

TEST(Harness, CertificateCarriesItsNames) {
  TempDir dir;
  const CertificateFiles files = makeCertificate(dir, "c", {"one.test", "two.test"});
  FILE* in = std::fopen(files.certPath.c_str(), "r");
  ASSERT_NE(in, nullptr);
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(certificateCommonName(cert), "one.test");
  EXPECT_EQ(certificateDnsNames(cert), (std::vector<std::string>{"one.test", "two.test"}));
  X509_free(cert);
}

TEST(Harness, LogBufferWaitsForLines) {
  LogBuffer log;
  log.append("[info] listening on 127.0.0.1:4");
  EXPECT_FALSE(log.waitForLine(std::regex("listening"), Millis{50}));  // line not complete yet
  log.append("5 (tls)\nready\n");
  const auto match = log.waitForLine(std::regex(R"(:([0-9]+) \()"), Millis{50});
  ASSERT_TRUE(match);
  EXPECT_EQ((*match)[1], "45");
  EXPECT_TRUE(log.waitForCount(std::regex("ready"), 1, Millis{50}));
}

}  // namespace
}  // namespace httpgate::test
