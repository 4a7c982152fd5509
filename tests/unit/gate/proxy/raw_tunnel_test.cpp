// Which requests become a raw tunnel (routes.raw_paths): bin/ssl's head
// does, anything that could carry a framed body, speaks HTTP/1.1, uses
// another method or names another final segment does not.
#include "gate/proxy/raw_tunnel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/http/head_parser.h"

namespace httpgate::gate {
namespace {

const std::vector<std::string> kDefault{"!replica"};

// Whether the request head `in` (a literal) wants a raw tunnel with `rawPaths`.
bool wants(std::string_view in, const std::vector<std::string>& rawPaths = kDefault) {
  http::RequestHead head;
  const http::ParseResult r = http::parseRequestHead(in, head, http::HeadLimits{});
  EXPECT_EQ(r.status, http::ParseStatus::Done) << r.reason;
  return wantsRawTunnel(head, rawPaths);
}

TEST(RawTunnel, FinalPathSegment) {
  EXPECT_EQ(finalPathSegment("/40003/!replica"), "!replica");
  EXPECT_EQ(finalPathSegment("/40003/!replica?a=b/c"), "!replica");
  EXPECT_EQ(finalPathSegment("/!replica"), "!replica");
  EXPECT_EQ(finalPathSegment("/shop/x/!replica"), "!replica");
  EXPECT_EQ(finalPathSegment("/40003/!replica/"), "");
  EXPECT_EQ(finalPathSegment("/40003/!replica/x"), "x");
  EXPECT_EQ(finalPathSegment("/"), "");
  EXPECT_EQ(finalPathSegment("?x/y"), "");
  EXPECT_EQ(finalPathSegment("*"), "*");
  EXPECT_EQ(finalPathSegment(""), "");
}

// The head bin/ssl sends (PicoLisp's src/ssl.c), and the same as a POST.
TEST(RawTunnel, BinSslHeadQualifies) {
  EXPECT_TRUE(
      wants("GET /40003/!replica HTTP/1.0\r\nUser-Agent: PicoLisp\r\nHost: example.org:443\r\n"
            "Accept-Charset: utf-8\r\n\r\n"));
  EXPECT_TRUE(wants("POST /40003/!replica HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(wants("GET /!replica?x HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(wants("GET /app/!sync HTTP/1.0\r\n\r\n", {"!replica", "!sync"}));
  // Connection fields do not matter: the backend is told to close anyway.
  EXPECT_TRUE(wants("GET /40003/!replica HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST(RawTunnel, OnlyHttp10) {
  EXPECT_FALSE(wants("GET /40003/!replica HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_FALSE(wants("POST /40003/!replica HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
}

TEST(RawTunnel, NoBodyFraming) {
  EXPECT_FALSE(wants("POST /40003/!replica HTTP/1.0\r\nContent-Length: 5\r\n\r\n"));
  EXPECT_FALSE(wants("POST /40003/!replica HTTP/1.0\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/!replica HTTP/1.0\r\nContent-Length: 0\r\n\r\n"));
}

TEST(RawTunnel, OnlyGetAndPost) {
  for (const char* method : {"PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "get", "Post"}) {
    EXPECT_FALSE(wants(std::string(method) + " /40003/!replica HTTP/1.0\r\n\r\n")) << method;
  }
}

// An upgrade needs HTTP/1.1; on HTTP/1.0 these are hop-by-hop fields that
// the gate drops, and the request is bin/ssl's as any other.
TEST(RawTunnel, Http10UpgradeFieldsChangeNothing) {
  EXPECT_TRUE(
      wants("GET /40003/!replica HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"));
  EXPECT_FALSE(wants(
      "GET /40003/!replica HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"));
}

TEST(RawTunnel, ExactlyTheFinalSegment) {
  EXPECT_FALSE(wants("GET /40003/!replica/ HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/!replica/x HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/x!replica HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/!replicas HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/!Replica HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/%21replica HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /!replica/40003 HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/!other HTTP/1.0\r\n\r\n"));
  EXPECT_FALSE(wants("GET /40003/ HTTP/1.0\r\n\r\n"));
}

TEST(RawTunnel, NoRawPathsNoTunnel) {
  EXPECT_FALSE(wants("GET /40003/!replica HTTP/1.0\r\n\r\n", {}));
}

}  // namespace
}  // namespace httpgate::gate
