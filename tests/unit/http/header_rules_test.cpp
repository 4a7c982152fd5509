// The exact bytes the gate sends on: the contract's "Requests" section.
#include "common/http/header_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "common/http/head_parser.h"

namespace httpgate::http {
namespace {

constexpr ClientInfo kTlsClient{"127.0.0.1", "https", "TLS_AES_256_GCM_SHA384"};
constexpr ClientInfo kPlainClient{"127.0.0.1", "http", ""};

// Parses `in` (a literal, or a string that outlives the result) as a request head.
RequestHead request(std::string_view in) {
  RequestHead head;
  const ParseResult r = parseRequestHead(in, head, HeadLimits{});
  EXPECT_EQ(r.status, ParseStatus::Done) << r.reason;
  return head;
}

ResponseHead response(std::string_view in, bool requestWasHead = false) {
  ResponseHead head;
  const ParseResult r = parseResponseHead(in, head, requestWasHead, HeadLimits{});
  EXPECT_EQ(r.status, ParseStatus::Done) << r.reason;
  return head;
}

std::string backendHead(const RequestHead& head, std::string_view prefix, std::string_view path,
                        const ClientInfo& client, ForwardOptions options = {}) {
  std::string out;
  appendBackendRequestHead(out, head, prefix, path, client, options);
  return out;
}

const std::string kForgedRequest =
    "GET /40001/rest?q HTTP/1.1\r\n"
    "Host: example.org\r\n"
    "User-Agent: curl/7.88\r\n"
    "X-Pil: *Adr=6.6.6.6\r\n"
    "X-Forwarded-For: 6.6.6.6\r\n"
    "x-forwarded-proto: http\r\n"
    "X-Forwarded-Host: evil.example\r\n"
    "Forwarded: for=6.6.6.6\r\n"
    "Connection: keep-alive, X-Secret\r\n"
    "X-Secret: 1\r\n"
    "Keep-Alive: timeout=5\r\n"
    "Proxy-Connection: keep-alive\r\n"
    "TE: trailers\r\n"
    "Trailer: X-Sum\r\n"
    "Upgrade: h2c\r\n"
    "Accept:   */*  \r\n"
    "\r\n";

TEST(HeaderRules, HopByHop) {
  for (const char* name :
       {"Connection", "keep-alive", "PROXY-CONNECTION", "te", "Trailer", "Upgrade"}) {
    EXPECT_TRUE(isHopByHop(name)) << name;
  }
  for (const char* name : {"Transfer-Encoding", "Content-Length", "Trailers", "Host", "TEx"}) {
    EXPECT_FALSE(isHopByHop(name)) << name;
  }
}

TEST(HeaderRules, ForwardingHeaders) {
  for (const char* name : {"X-Pil", "x-pil", "X-Forwarded-For", "x-forwarded-proto",
                           "X-Forwarded-Host", "X-Forwarded-Anything", "Forwarded"}) {
    EXPECT_TRUE(isForwardingHeader(name)) << name;
  }
  for (const char* name : {"X-Pile", "X-Forward", "Forwarded-For", "X-Real-Forwarded"}) {
    EXPECT_FALSE(isForwardingHeader(name)) << name;
  }
}

TEST(HeaderRules, BackendRequestTls) {
  const RequestHead head = request(kForgedRequest);
  EXPECT_EQ(backendHead(head, "", "/rest?q", kTlsClient),
            "GET /rest?q HTTP/1.1\r\n"
            "X-Pil: *Gate=https\r\n"
            "X-Pil: *Adr=127.0.0.1\r\n"
            "X-Pil: *Cipher=TLS_AES_256_GCM_SHA384\r\n"
            "Host: example.org\r\n"
            "User-Agent: curl/7.88\r\n"
            "Accept: */*\r\n"
            "X-Forwarded-For: 127.0.0.1\r\n"
            "X-Forwarded-Proto: https\r\n"
            "X-Forwarded-Host: example.org\r\n"
            "Forwarded: for=127.0.0.1;proto=https;host=example.org\r\n"
            "\r\n");
}

TEST(HeaderRules, BackendRequestPlain) {
  const std::string in =
      "POST /shop/cart HTTP/1.1\r\nHost: example.org\r\nContent-Length: 3\r\n\r\n";
  const RequestHead head = request(in);
  EXPECT_EQ(backendHead(head, "/app", "/cart", kPlainClient),
            "POST /app/cart HTTP/1.1\r\n"
            "X-Pil: *Gate=http\r\n"
            "X-Pil: *Adr=127.0.0.1\r\n"
            "Host: example.org\r\n"
            "Content-Length: 3\r\n"
            "X-Forwarded-For: 127.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: example.org\r\n"
            "Forwarded: for=127.0.0.1;proto=http;host=example.org\r\n"
            "\r\n");
}

TEST(HeaderRules, ForgedHeadersRemovedWithOptionsOff) {
  const RequestHead head = request(kForgedRequest);
  EXPECT_EQ(backendHead(head, "", "/rest?q", kTlsClient, ForwardOptions{false, false}),
            "GET /rest?q HTTP/1.1\r\n"
            "Host: example.org\r\n"
            "User-Agent: curl/7.88\r\n"
            "Accept: */*\r\n"
            "\r\n");
}

TEST(HeaderRules, Upgrade) {
  const std::string in =
      "GET /40001/ws HTTP/1.1\r\nHost: example.org:8443\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n";
  const RequestHead head = request(in);
  ASSERT_TRUE(head.upgrade);
  ForwardOptions options{true, false};
  options.upgrade = "websocket";
  EXPECT_EQ(backendHead(head, "", "/ws", kPlainClient, options),
            "GET /ws HTTP/1.1\r\n"
            "Host: example.org:8443\r\n"
            "Sec-WebSocket-Key: k\r\n"
            "Connection: upgrade\r\n"
            "Upgrade: websocket\r\n"
            "X-Forwarded-For: 127.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: example.org:8443\r\n"
            "Forwarded: for=127.0.0.1;proto=http;host=\"example.org:8443\"\r\n"
            "\r\n");
}

// Without an allowed protocol (options.upgrade empty) an upgrade request
// goes on as an ordinary one: no Upgrade, no Connection, no HTTP2-Settings.
TEST(HeaderRules, UpgradeWithoutAnAllowedProtocolIsAnOrdinaryRequest) {
  const std::string in =
      "GET /40001/x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
      "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nAccept: */*\r\n\r\n";
  const RequestHead head = request(in);
  ASSERT_TRUE(head.upgrade);
  EXPECT_EQ(backendHead(head, "", "/x", kPlainClient, ForwardOptions{false, false}),
            "GET /x HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n");
}

TEST(HeaderRules, Http2SettingsIsHopByHop) {
  EXPECT_TRUE(isHopByHop("HTTP2-Settings"));
  EXPECT_TRUE(isHopByHop("http2-settings"));
  EXPECT_FALSE(isHopByHop("Content-Length"));
}

TEST(HeaderRules, ClientResponseHstsReplacesTheBackendsOwn) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nstrict-transport-security: max-age=1\r\nContent-Length: 0\r\n\r\n";
  std::string out;
  appendClientResponseHead(out, response(in), Version::Http11, true, false, "max-age=63072000");
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
            "Strict-Transport-Security: max-age=63072000\r\n\r\n");
  out.clear();
  appendClientResponseHead(out, response(in), Version::Http11, true, false);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nstrict-transport-security: max-age=1\r\nContent-Length: 0\r\n\r\n");
}

TEST(HeaderRules, Ipv6ClientAndHttp10WithoutHost) {
  const RequestHead head = request("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n");
  const ClientInfo client{"2001:db8::7", "https", "TLS_AES_128_GCM_SHA256"};
  EXPECT_EQ(backendHead(head, "", "/", client),
            "GET / HTTP/1.0\r\n"
            "X-Pil: *Gate=https\r\n"
            "X-Pil: *Adr=2001:db8::7\r\n"
            "X-Pil: *Cipher=TLS_AES_128_GCM_SHA256\r\n"
            "Accept: */*\r\n"
            "Connection: keep-alive\r\n"
            "X-Forwarded-For: 2001:db8::7\r\n"
            "X-Forwarded-Proto: https\r\n"
            "Forwarded: for=\"[2001:db8::7]\";proto=https\r\n"
            "\r\n");
}

// A raw tunnel's head (gate/raw_tunnel.h): the backend must close after its
// answer, whatever the client asked, so that the raw bytes behind the head
// are never read as a second request.
TEST(HeaderRules, CloseOptionAsksTheBackendToClose) {
  ForwardOptions close;
  close.forwarded = false;
  close.close = true;
  const RequestHead old =
      request("GET /40003/!replica HTTP/1.0\r\nHost: h:443\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(backendHead(old, "/", "!replica", kPlainClient, close),
            "GET /!replica HTTP/1.0\r\n"
            "X-Pil: *Gate=http\r\n"
            "X-Pil: *Adr=127.0.0.1\r\n"
            "Host: h:443\r\n"
            "Connection: close\r\n"
            "\r\n");
  const RequestHead current = request("POST /x HTTP/1.1\r\nHost: h\r\n\r\n");
  close.picolisp = false;
  EXPECT_EQ(backendHead(current, "", "/x", kPlainClient, close),
            "POST /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
}

TEST(HeaderRules, AbsoluteFormAuthorityBecomesHost) {
  const RequestHead head =
      request("GET http://example.org/a HTTP/1.1\r\nHost: other.example\r\nAccept: x\r\n\r\n");
  EXPECT_EQ(backendHead(head, "", head.path, kPlainClient, ForwardOptions{false, false}),
            "GET /a HTTP/1.1\r\nHost: example.org\r\nAccept: x\r\n\r\n");
  const RequestHead old = request("GET http://example.org/a HTTP/1.0\r\n\r\n");
  EXPECT_EQ(backendHead(old, "", old.path, kPlainClient, ForwardOptions{false, false}),
            "GET /a HTTP/1.0\r\nHost: example.org\r\nConnection: keep-alive\r\n\r\n");
}

TEST(HeaderRules, ConnectionCannotRemoveFraming) {
  // Dropping Content-Length would turn the body into the backend's next request.
  const std::string in =
      "POST / HTTP/1.1\r\nHost: h\r\nConnection: Content-Length, Host, X-A\r\n"
      "Content-Length: 5\r\nX-A: 1\r\n\r\n";
  const RequestHead head = request(in);
  EXPECT_EQ(backendHead(head, "", "/", kPlainClient, ForwardOptions{false, false}),
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
}

TEST(HeaderRules, ManyConnectionFields) {
  const std::string in =
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: a\r\nConnection: b\r\nConnection: c\r\n"
      "Connection: d\r\nConnection: e\r\nA: 1\r\nE: 5\r\nF: 6\r\n\r\n";
  const RequestHead head = request(in);
  EXPECT_EQ(backendHead(head, "", "/", kPlainClient, ForwardOptions{false, false}),
            "GET / HTTP/1.1\r\nHost: h\r\nF: 6\r\n\r\n");
}

TEST(HeaderRules, ClientResponse) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Hop\r\n"
      "Keep-Alive: timeout=5\r\nX-Hop: a\r\nServer: app\r\n\r\n";
  const ResponseHead head = response(in);
  std::string out;
  appendClientResponseHead(out, head, Version::Http11, true, false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: app\r\n\r\n");
  out.clear();
  appendClientResponseHead(out, head, Version::Http11, false, false);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: app\r\nConnection: close\r\n\r\n");
  out.clear();
  appendClientResponseHead(out, head, Version::Http10, true, false);
  EXPECT_EQ(
      out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: app\r\nConnection: keep-alive\r\n\r\n");
}

TEST(HeaderRules, ClientResponseFromHttp10Backend) {
  const std::string in = "HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n";
  const ResponseHead head = response(in);
  std::string out = "prefix|";
  appendClientResponseHead(out, head, Version::Http11, false, false);
  EXPECT_EQ(out, "prefix|HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

TEST(HeaderRules, ClientResponseUnknownStatusWithoutReason) {
  const std::string in = "HTTP/1.1 599\r\nContent-Length: 0\r\n\r\n";
  std::string out;
  appendClientResponseHead(out, response(in), Version::Http11, true, false);
  EXPECT_EQ(out, "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n");
}

TEST(HeaderRules, ClientResponseSwitchingProtocols) {
  const std::string in =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  std::string out;
  appendClientResponseHead(out, response(in), Version::Http11, true, true);
  EXPECT_EQ(out,
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Connection: upgrade\r\n"
            "Upgrade: websocket\r\n"
            "\r\n");
}

TEST(HeaderRules, ClientResponseKeepsFramingNamedInConnection) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nConnection: Content-Length, Transfer-Encoding\r\nContent-Length: "
      "2\r\n\r\n";
  std::string out;
  appendClientResponseHead(out, response(in), Version::Http11, true, false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
}

TEST(HeaderRules, H2TrailerFieldsAreLowerCasedTrimmedAndWithoutHopByHopOnes) {
  const std::string section =
      "Grpc-Status: 0\r\nConnection: x\r\nContent-Length: 3\r\nTransfer-Encoding: "
      "chunked\r\nHost: h\r\nX-Sum:\t a1 \r\nTE: trailers\r\nEmpty:\r\n";
  std::vector<H2Field> fields;
  std::string names;
  h2TrailerFields(section, fields, names);
  ASSERT_EQ(fields.size(), 3U);
  EXPECT_EQ(fields[0].name, "grpc-status");
  EXPECT_EQ(fields[0].value, "0");
  EXPECT_EQ(fields[1].name, "x-sum");
  EXPECT_EQ(fields[1].value, "a1");
  EXPECT_EQ(fields[2].name, "empty");
  EXPECT_EQ(fields[2].value, "");
}

}  // namespace
}  // namespace httpgate::http
