// translateH2Request: an HTTP/2 stream's fields as the HTTP/1.1 head the
// gate's own parser then reads, byte for byte, and every malformed request
// of RFC 9113 §8 refused.
#include "common/http/h2_request.h"

#include <gtest/gtest.h>

#include "common/http/head_parser.h"

namespace httpgate::http {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

struct Translated {
  H2Request request;
  std::string head;
};

Translated translate(const std::vector<H2Field>& fields, bool endStream = true) {
  Translated t;
  t.request = translateH2Request(fields, endStream, kKey, t.head);
  return t;
}

std::vector<H2Field> get(std::string_view path = "/") {
  return {{":method", "GET"}, {":scheme", "https"}, {":authority", "example.org"}, {":path", path}};
}

H2RequestStatus statusOf(const std::vector<H2Field>& fields, bool endStream = true) {
  return translate(fields, endStream).request.status;
}

TEST(H2Request, ASimpleGetBecomesItsHttp11Head) {
  std::vector<H2Field> fields = get("/8080/index.html?q=1");
  fields.push_back({"accept", "text/html"});
  const Translated t = translate(fields);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_FALSE(t.request.hasBody);
  EXPECT_FALSE(t.request.chunked);
  EXPECT_EQ(t.head,
            "GET /8080/index.html?q=1 HTTP/1.1\r\n"
            "host: example.org\r\n"
            "accept: text/html\r\n"
            "\r\n");
  // The gate's HTTP/1.1 parser reads it as an HTTP/1.1 client's request.
  RequestHead head;
  const ParseResult parsed = parseRequestHead(t.head, head, HeadLimits{});
  ASSERT_EQ(parsed.status, ParseStatus::Done);
  EXPECT_EQ(parsed.consumed, t.head.size());
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.path, "/8080/index.html?q=1");
  EXPECT_EQ(head.host, "example.org");
  EXPECT_FALSE(head.hasBody());
}

TEST(H2Request, CookieCrumbsAreJoinedIntoOneField) {
  std::vector<H2Field> fields = get();
  fields.push_back({"cookie", "a=1"});
  fields.push_back({"accept", "*/*"});
  fields.push_back({"cookie", "b=2"});
  fields.push_back({"cookie", "c=3"});
  const Translated t = translate(fields);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_EQ(t.head,
            "GET / HTTP/1.1\r\nhost: example.org\r\ncookie: a=1; b=2; c=3\r\naccept: */*\r\n\r\n");
}

TEST(H2Request, ABodyWithItsLengthKeepsIt) {
  std::vector<H2Field> fields = get();
  fields[0].value = "POST";
  fields.push_back({"content-length", "11"});
  const Translated t = translate(fields, /*endStream=*/false);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_TRUE(t.request.hasBody);
  EXPECT_FALSE(t.request.chunked);
  EXPECT_EQ(t.head, "POST / HTTP/1.1\r\nhost: example.org\r\ncontent-length: 11\r\n\r\n");
}

TEST(H2Request, ABodyOfUnknownLengthGoesChunked) {
  std::vector<H2Field> fields = get();
  fields[0].value = "POST";
  const Translated t = translate(fields, /*endStream=*/false);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_TRUE(t.request.chunked);
  EXPECT_EQ(t.head, "POST / HTTP/1.1\r\nhost: example.org\r\ntransfer-encoding: chunked\r\n\r\n");
  RequestHead head;
  ASSERT_EQ(parseRequestHead(t.head, head, HeadLimits{}).status, ParseStatus::Done);
  EXPECT_EQ(head.body, BodyKind::Chunked);
}

TEST(H2Request, TeTrailersIsKeptAndConnectionFieldsAreRefused) {
  std::vector<H2Field> fields = get();
  fields.push_back({"te", "trailers"});
  EXPECT_EQ(statusOf(fields), H2RequestStatus::Ok);
  for (std::string_view name :
       {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    std::vector<H2Field> bad = get();
    bad.push_back({name, "x"});
    EXPECT_EQ(statusOf(bad), H2RequestStatus::Malformed) << name;
  }
  std::vector<H2Field> gzip = get();
  gzip.push_back({"te", "gzip"});
  EXPECT_EQ(statusOf(gzip), H2RequestStatus::Malformed);
}

TEST(H2Request, AHostThatDisagreesWithTheAuthorityIsMalformed) {
  std::vector<H2Field> same = get();
  same.push_back({"host", "EXAMPLE.org"});
  const Translated t = translate(same);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_EQ(t.head, "GET / HTTP/1.1\r\nhost: example.org\r\n\r\n");  // one Host, the authority
  std::vector<H2Field> other = get();
  other.push_back({"host", "evil.example"});
  EXPECT_EQ(statusOf(other), H2RequestStatus::Malformed);
}

TEST(H2Request, AHostFieldAloneIsTheHost) {
  std::vector<H2Field> fields = {
      {":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {"host", "example.org"}};
  const Translated t = translate(fields);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_EQ(t.head, "GET / HTTP/1.1\r\nhost: example.org\r\n\r\n");
}

TEST(H2Request, PseudoHeaderMistakesAreMalformed) {
  EXPECT_EQ(statusOf({{":scheme", "https"}, {":path", "/"}}), H2RequestStatus::Malformed);
  EXPECT_EQ(statusOf({{":method", "GET"}, {":scheme", "https"}}), H2RequestStatus::Malformed);
  EXPECT_EQ(statusOf({{":method", "GET"}, {":scheme", "https"}, {":path", ""}}),
            H2RequestStatus::Malformed);
  std::vector<H2Field> repeated = get();
  repeated.push_back({":path", "/other"});
  EXPECT_EQ(statusOf(repeated), H2RequestStatus::Malformed);
  std::vector<H2Field> unknown = get();
  unknown.insert(unknown.begin(), {":status", "200"});
  EXPECT_EQ(statusOf(unknown), H2RequestStatus::Malformed);
  std::vector<H2Field> late = {
      {":method", "GET"}, {":scheme", "https"}, {"accept", "*/*"}, {":path", "/"}};
  EXPECT_EQ(statusOf(late), H2RequestStatus::Malformed);
  std::vector<H2Field> userinfo = get();
  userinfo[2].value = "user@example.org";
  EXPECT_EQ(statusOf(userinfo), H2RequestStatus::Malformed);
  std::vector<H2Field> protocol = get();
  protocol.push_back({":protocol", "websocket"});  // only with CONNECT
  EXPECT_EQ(statusOf(protocol), H2RequestStatus::Malformed);
}

TEST(H2Request, NamesAndValuesThatCouldBreakTheHeadAreMalformed) {
  const std::string_view values[] = {"a\r\nx-injected: 1", "a\nb", std::string_view("a\0b", 3),
                                     " leading", "trailing\t"};
  for (std::string_view value : values) {
    std::vector<H2Field> fields = get();
    fields.push_back({"x-test", value});
    EXPECT_EQ(statusOf(fields), H2RequestStatus::Malformed) << value;
  }
  for (std::string_view name : {"X-Upper", "sp ace", "colon:", ""}) {
    std::vector<H2Field> fields = get();
    fields.push_back({name, "1"});
    EXPECT_EQ(statusOf(fields), H2RequestStatus::Malformed) << name;
  }
  std::vector<H2Field> path = get("/a\r\nb");
  EXPECT_EQ(statusOf(path), H2RequestStatus::Malformed);
}

TEST(H2Request, ContentLengthMustBeValidAndAgree) {
  std::vector<H2Field> fields = get();
  fields[0].value = "POST";
  fields.push_back({"content-length", "5"});
  fields.push_back({"content-length", "5"});
  EXPECT_EQ(statusOf(fields, false), H2RequestStatus::Ok);
  fields.push_back({"content-length", "6"});
  EXPECT_EQ(statusOf(fields, false), H2RequestStatus::Malformed);
  std::vector<H2Field> junk = get();
  junk.push_back({"content-length", "5x"});
  EXPECT_EQ(statusOf(junk, false), H2RequestStatus::Malformed);
  // HEADERS that end the stream cannot carry the body they promise.
  std::vector<H2Field> promised = get();
  promised.push_back({"content-length", "5"});
  EXPECT_EQ(statusOf(promised, true), H2RequestStatus::Malformed);
  std::vector<H2Field> zero = get();
  zero.push_back({"content-length", "0"});
  EXPECT_EQ(statusOf(zero, true), H2RequestStatus::Ok);
}

TEST(H2Request, ExtendedConnectBecomesAWebSocketUpgrade) {
  const std::vector<H2Field> fields = {{":method", "CONNECT"},
                                       {":protocol", "websocket"},
                                       {":scheme", "https"},
                                       {":path", "/8080/chat"},
                                       {":authority", "example.org"},
                                       {"sec-websocket-version", "13"},
                                       {"sec-websocket-key", "client-made"},
                                       {"sec-websocket-protocol", "chat"}};
  const Translated t = translate(fields, /*endStream=*/false);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_TRUE(t.request.websocket);
  EXPECT_FALSE(t.request.chunked);  // tunnel bytes, not a body
  EXPECT_EQ(t.head,
            "GET /8080/chat HTTP/1.1\r\n"
            "host: example.org\r\n"
            "upgrade: websocket\r\n"
            "connection: upgrade\r\n"
            "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "sec-websocket-version: 13\r\n"
            "sec-websocket-protocol: chat\r\n"
            "\r\n");
  RequestHead head;
  ASSERT_EQ(parseRequestHead(t.head, head, HeadLimits{}).status, ParseStatus::Done);
  EXPECT_TRUE(head.upgrade);
}

TEST(H2Request, OtherProtocolsAreNotImplemented) {
  const std::vector<H2Field> fields = {{":method", "CONNECT"},
                                       {":protocol", "webtransport"},
                                       {":scheme", "https"},
                                       {":path", "/"},
                                       {":authority", "example.org"}};
  EXPECT_EQ(statusOf(fields, false), H2RequestStatus::UnsupportedProtocol);
}

TEST(H2Request, PlainConnectIsLeftForTheExchangeToRefuse) {
  const Translated t =
      translate({{":method", "CONNECT"}, {":authority", "example.org:443"}}, false);
  ASSERT_EQ(t.request.status, H2RequestStatus::Ok);
  EXPECT_EQ(t.head, "CONNECT example.org:443 HTTP/1.1\r\nhost: example.org:443\r\n\r\n");
  RequestHead head;
  ASSERT_EQ(parseRequestHead(t.head, head, HeadLimits{}).status, ParseStatus::Done);
  EXPECT_TRUE(head.isConnect);  // answered 405, as for an HTTP/1.1 client
  EXPECT_EQ(statusOf({{":method", "CONNECT"}, {":authority", "a:1"}, {":path", "/"}}),
            H2RequestStatus::Malformed);
}

}  // namespace
}  // namespace httpgate::http
