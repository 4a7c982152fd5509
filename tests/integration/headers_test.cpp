// The request head a backend receives, byte for byte (X-Pil, X-Forwarded-*,
// Forwarded; forged and hop-by-hop fields removed), and hop-by-hop fields
// removed from responses.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/client.h"
#include "tests/support/expected_head.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

class HeadersTest : public GateTest {
 protected:
  void start(std::string_view topLevel = "") {
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port(), "", topLevel)));
  }

  // Sends `request` on `client`, expects a 200 and returns the head the
  // backend received.
  std::string forward(Client& client, const std::string& request) {
    const size_t before = backend_.requestCount();
    const HttpResponse response = client.exchange(request);
    EXPECT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.status, 200);
    if (backend_.requestCount() != before + 1) {
      ADD_FAILURE() << "the backend did not get exactly one request";
      return {};
    }
    return backend_.requests().back().head;
  }

  Backend backend_;
};

class HeadersOverTlsTest : public HeadersTest, public ::testing::WithParamInterface<TlsVersion> {};

TEST_P(HeadersOverTlsTest, BackendRequestHeadIsExact) {
  ASSERT_NO_FATAL_FAILURE(start());
  TlsOptions options;
  options.version = GetParam();
  Client client = Client::tls(tlsPort(), options);
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string fields =
      "Host: example.org\r\nUser-Agent: itest/1\r\nx-lower-case: spaced value\r\n"
      "Accept: */*\r\n";
  const std::string head = forward(client, "GET " + pathTo(backend_, "/rest?q") +
                                               " HTTP/1.1\r\nHost: example.org\r\n"
                                               "User-Agent: itest/1\r\n"
                                               "x-lower-case:   spaced value  \r\n"
                                               "Accept: */*\r\n\r\n");
  Forwarding forwarding;
  forwarding.cipher = client.tlsStream()->cipherName();
  EXPECT_EQ(head, expectedHead("GET /rest?q HTTP/1.1", fields, forwarding)) << "got:\n"
                                                                            << printable(head);
}

INSTANTIATE_TEST_SUITE_P(Versions, HeadersOverTlsTest,
                         ::testing::Values(TlsVersion::Tls12, TlsVersion::Tls13),
                         [](const ::testing::TestParamInfo<TlsVersion>& version) {
                           return version.param == TlsVersion::Tls12 ? "Tls12" : "Tls13";
                         });

TEST_F(HeadersTest, BackendRequestHeadIsExactOnPlainListener) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head =
      forward(client, getRequest(pathTo(backend_, "/p"), "Accept: */*\r\n", "example.org"));
  Forwarding forwarding;
  forwarding.scheme = "http";
  EXPECT_EQ(head,
            expectedHead("GET /p HTTP/1.1", "Host: example.org\r\nAccept: */*\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

TEST_F(HeadersTest, HostWithPortIsQuotedInForwarded) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head =
      forward(client, getRequest(pathTo(backend_, "/p"), "", "example.org:8443"));
  Forwarding forwarding;
  forwarding.cipher = client.tlsStream()->cipherName();
  forwarding.host = "example.org:8443";
  EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org:8443\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

TEST_F(HeadersTest, ForgedForwardingFieldsAreRemoved) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head = forward(client, getRequest(pathTo(backend_, "/p"),
                                                      "X-Pil: *Adr=6.6.6.6\r\n"
                                                      "x-pil: *Gate=https\r\n"
                                                      "X-Forwarded-For: 6.6.6.6\r\n"
                                                      "X-Forwarded-Proto: https\r\n"
                                                      "x-forwarded-host: evil.test\r\n"
                                                      "X-Forwarded-Port: 1\r\n"
                                                      "X-Kept: yes\r\n"
                                                      "Forwarded: for=6.6.6.6\r\n",
                                                      "example.org"));
  Forwarding forwarding;
  forwarding.cipher = client.tlsStream()->cipherName();
  EXPECT_EQ(head,
            expectedHead("GET /p HTTP/1.1", "Host: example.org\r\nX-Kept: yes\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

TEST_F(HeadersTest, HopByHopFieldsAreRemoved) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head = forward(client, getRequest(pathTo(backend_, "/p"),
                                                      "Connection: keep-alive, foo\r\n"
                                                      "Foo: named in Connection\r\n"
                                                      "Keep-Alive: timeout=5\r\n"
                                                      "Proxy-Connection: keep-alive\r\n"
                                                      "TE: trailers\r\n"
                                                      "Trailer: X-Checksum\r\n"
                                                      "X-Kept: yes\r\n",
                                                      "example.org"));
  Forwarding forwarding;
  forwarding.cipher = client.tlsStream()->cipherName();
  EXPECT_EQ(head,
            expectedHead("GET /p HTTP/1.1", "Host: example.org\r\nX-Kept: yes\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

TEST_F(HeadersTest, ForwardingFieldsCanBeSwitchedOff) {
  ASSERT_NO_FATAL_FAILURE(start("headers:\n  forwarded: false\n  picolisp: false\n"));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head =
      forward(client, getRequest(pathTo(backend_, "/p"), "X-Pil: *Adr=6.6.6.6\r\n", "example.org"));
  Forwarding forwarding;
  forwarding.picolisp = false;
  forwarding.forwarded = false;
  EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

TEST_F(HeadersTest, HopByHopFieldsAreRemovedFromResponses) {
  Backend hops([](const RecordedRequest&) {
    BackendReply reply;
    reply.body = "ok";
    reply.fields = {{"Keep-Alive", "timeout=5"}, {"Connection", "X-Secret"},
                    {"X-Secret", "1"},           {"X-Kept", "2"},
                    {"Proxy-Connection", "x"},   {"TE", "trailers"},
                    {"Trailer", "X-Sum"},        {"x-secret", "again"}};
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response = client.exchange(getRequest(pathTo(hops, "/h")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, "ok");
  // Both X-Secret fields (named by the backend's Connection) go, and so does
  // every hop-by-hop field; what is left comes in the backend's order.
  EXPECT_EQ(response.head, "HTTP/1.1 200 OK\r\nX-Kept: 2\r\nContent-Length: 2\r\n\r\n")
      << printable(response.head);
}

TEST_F(HeadersTest, FieldsNamedInManyConnectionFieldsAreRemovedFromResponses) {
  // Five Connection fields, each naming another field in a list: every
  // named field goes, the fifth's too.
  Backend hops([](const RecordedRequest&) {
    BackendReply reply;
    reply.body = "ok";
    reply.fields = {{"Connection", "X-A"},
                    {"Connection", "keep-alive, X-B"},
                    {"Connection", "X-C"},
                    {"Connection", "X-D"},
                    {"connection", "x-z ,X-E"},
                    {"X-A", "1"},
                    {"X-B", "2"},
                    {"X-C", "3"},
                    {"X-D", "4"},
                    {"X-E", "5"},
                    {"X-Kept", "6"}};
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response = client.exchange(getRequest(pathTo(hops, "/h")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.head, "HTTP/1.1 200 OK\r\nX-Kept: 6\r\nContent-Length: 2\r\n\r\n")
      << printable(response.head);
}

TEST_F(HeadersTest, Ipv6ClientAddressIsBracketedInForwarded) {
  if (!ipv6LoopbackAvailable()) {
    GTEST_SKIP() << "::1 is not configured on this machine: no IPv6 loopback to test over";
  }
  const std::string yaml = "listen:\n" + tlsListenerYaml({cert_}, "[::1]:0") +
                           "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) +
                           "\n";
  ASSERT_NO_FATAL_FAILURE(startGate(yaml));
  ASSERT_EQ(gate().listeners()[0].host, "::1");
  Client client = Client::tls(tlsPort(), {}, "::1");
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head = forward(client, getRequest("/v6", "", "example.org"));
  Forwarding forwarding;
  forwarding.cipher = client.tlsStream()->cipherName();
  forwarding.address = "::1";
  forwarding.forwardedFor = "\"[::1]\"";
  EXPECT_EQ(head, expectedHead("GET /v6 HTTP/1.1", "Host: example.org\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

// headers.hsts: Strict-Transport-Security on every response of a TLS
// listener (the backend's own replaced, the gate's own answers included),
// never on a plain one (RFC 6797 7.2).
TEST_F(HeadersTest, HstsOnTlsResponsesOnly) {
  Backend withOwn([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.fields.emplace_back("Strict-Transport-Security", "max-age=1");
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(start("headers:\n  hsts: \"max-age=63072000; includeSubDomains\"\n"));
  Client tls = Client::tls(tlsPort());
  ASSERT_TRUE(tls.connected()) << tls.error();
  const HttpResponse proxied = tls.exchange(getRequest("/page"));
  ASSERT_EQ(proxied.status, 200) << proxied.describe();
  EXPECT_EQ(proxied.field("Strict-Transport-Security"), "max-age=63072000; includeSubDomains");

  const HttpResponse replaced = tls.exchange(getRequest(pathTo(withOwn, "/own")));
  ASSERT_EQ(replaced.status, 200) << replaced.describe();
  EXPECT_EQ(replaced.fieldCount("Strict-Transport-Security"), 1u) << replaced.describe();
  EXPECT_EQ(replaced.field("Strict-Transport-Security"), "max-age=63072000; includeSubDomains");

  const HttpResponse forbidden = tls.exchange(getRequest("/80/x"));
  ASSERT_EQ(forbidden.status, 403) << forbidden.describe();
  EXPECT_EQ(forbidden.field("Strict-Transport-Security"), "max-age=63072000; includeSubDomains");

  Client plain = Client::plain(plainPort());
  ASSERT_TRUE(plain.connected()) << plain.error();
  const HttpResponse overPlain = plain.exchange(getRequest("/page"));
  ASSERT_EQ(overPlain.status, 200) << overPlain.describe();
  EXPECT_FALSE(overPlain.hasField("Strict-Transport-Security")) << overPlain.describe();
  const HttpResponse plainOwn = plain.exchange(getRequest(pathTo(withOwn, "/own")));
  EXPECT_EQ(plainOwn.field("Strict-Transport-Security"), "max-age=1")
      << "a backend's own field passes untouched on a plain listener";
}

TEST_F(HeadersTest, NoHstsByDefault) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client tls = Client::tls(tlsPort());
  const HttpResponse response = tls.exchange(getRequest("/page"));
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_FALSE(response.hasField("Strict-Transport-Security"));
}

}  // namespace
}  // namespace httpgate::test

namespace httpgate::test {
namespace {

// headers.trusted_proxies: a request from a trusted proxy is the client's
// its X-Forwarded-For names; from anybody else the field is removed.
TEST_F(HeadersTest, TrustedProxyNamesTheClient) {
  ASSERT_NO_FATAL_FAILURE(start("headers:\n  trusted_proxies: [127.0.0.1/32, 10.0.0.0/8]\n"));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head =
      forward(client, getRequest(pathTo(backend_, "/p"),
                                 "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n"
                                 "X-Forwarded-For: 10.0.0.9\r\nX-Pil: *Adr=6.6.6.6\r\n",
                                 "example.org"));
  Forwarding forwarding;
  forwarding.scheme = "http";
  forwarding.address = forwarding.forwardedFor = "203.0.113.7";
  EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
      << "got:\n"
      << printable(head);
  // The next request on the connection names its own client, or none.
  const std::string next = forward(client, getRequest(pathTo(backend_, "/p"), "", "example.org"));
  forwarding.address = forwarding.forwardedFor = "127.0.0.1";
  EXPECT_EQ(next, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
      << "got:\n"
      << printable(next);
}

TEST_F(HeadersTest, UntrustedPeersForwardedForIsRemoved) {
  ASSERT_NO_FATAL_FAILURE(start("headers:\n  trusted_proxies: [127.0.0.2/32]\n"));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head = forward(
      client,
      getRequest(pathTo(backend_, "/p"), "X-Forwarded-For: 203.0.113.7\r\n", "example.org"));
  Forwarding forwarding;
  forwarding.scheme = "http";
  EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
      << "got:\n"
      << printable(head);
}

}  // namespace
}  // namespace httpgate::test
