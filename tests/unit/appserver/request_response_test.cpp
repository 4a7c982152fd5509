// Building a Request from a parsed head and body, and serializing a
// Response: the pure parts of what a session child does per request.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "appserver/src/request_builder.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/routes.h"
#include "common/http/head_parser.h"

namespace httpgate::appserver {
namespace {

// Parses `head` (which must be complete) and builds the Request for `path`.
Request build(const std::string& head, std::string_view path, std::string body,
              std::string_view peer = "127.0.0.1", bool trust = true, bool* ok = nullptr,
              std::string* error = nullptr) {
  http::RequestHead parsed;
  http::HeadLimits limits;
  EXPECT_EQ(http::parseRequestHead(head, parsed, limits).status, http::ParseStatus::Done) << head;
  Request request;
  std::string why;
  bool built = RequestBuilder::build(parsed, path, std::move(body), peer, trust, request, why);
  if (ok != nullptr) {
    *ok = built;
  }
  if (error != nullptr) {
    *error = why;
  }
  return request;
}

TEST(RequestBuilderTest, PathQueryParamsHeadersAndCookies) {
  const Request request = build(
      "POST /x~/cart?item=a%20b&n=1 HTTP/1.1\r\nHost: shop.test\r\n"
      "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
      "Cookie: a=1; b=\"two\"\r\nContent-Length: 9\r\n\r\n",
      "/cart?item=a%20b&n=1", "n=2&z=x+y");
  EXPECT_EQ(request.method(), "POST");
  EXPECT_EQ(request.path(), "/cart");
  EXPECT_EQ(request.query(), "item=a%20b&n=1");
  EXPECT_EQ(request.param("item"), "a b");
  EXPECT_EQ(request.param("n"), "1");  // query fields first
  EXPECT_EQ(request.param("z"), "x y");
  ASSERT_EQ(request.params().size(), 4U);
  EXPECT_EQ(request.params()[2].second, "2");
  EXPECT_EQ(request.header("content-length"), "9");
  EXPECT_EQ(request.cookie("b"), "two");
  EXPECT_FALSE(request.cookie("c").has_value());
  EXPECT_EQ(request.body(), "n=2&z=x+y");
  EXPECT_FALSE(request.behindGate());
  EXPECT_EQ(request.scheme(), "http");
  EXPECT_EQ(request.host(), "shop.test");
  EXPECT_EQ(request.clientAddress(), "127.0.0.1");
}

TEST(RequestBuilderTest, MultipartFieldsAndUploads) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nfile data\r\n--XyZ--\r\n";
  const Request request = build(
      "POST / HTTP/1.1\r\nHost: h\r\n"
      "Content-Type: multipart/form-data; boundary=XyZ\r\n"
      "Content-Length: " +
          std::to_string(body.size()) + "\r\n\r\n",
      "/", body);
  EXPECT_EQ(request.param("title"), "Hello");
  ASSERT_EQ(request.uploads().size(), 1U);
  EXPECT_EQ(request.uploads()[0].filename, "a.txt");
  EXPECT_EQ(request.uploads()[0].data, "file data");
}

TEST(RequestBuilderTest, MalformedMultipartIsAnError) {
  bool ok = true;
  std::string error;
  build(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=B\r\n"
      "Content-Length: 5\r\n\r\n",
      "/", "--B\r\n", "127.0.0.1", true, &ok, &error);
  EXPECT_FALSE(ok);
  EXPECT_FALSE(error.empty());
  build("POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data\r\n\r\n", "/", "",
        "127.0.0.1", true, &ok, &error);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("boundary"), std::string::npos);
}

TEST(RequestBuilderTest, TrustedGateFieldsSayHowTheRequestArrived) {
  const std::string head =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Pil: *Gate=https\r\n"
      "X-Pil: *Adr=203.0.113.9\r\nX-Forwarded-Host: www.example.org\r\n\r\n";
  const Request trusted = build(head, "/", "", "127.0.0.1", true);
  EXPECT_TRUE(trusted.behindGate());
  EXPECT_EQ(trusted.scheme(), "https");
  EXPECT_EQ(trusted.host(), "www.example.org");
  EXPECT_EQ(trusted.clientAddress(), "203.0.113.9");
  // From a peer that is not on loopback the same fields are ignored: a
  // client cannot claim another address or https.
  const Request direct = build(head, "/", "", "198.51.100.4", false);
  EXPECT_FALSE(direct.behindGate());
  EXPECT_EQ(direct.scheme(), "http");
  EXPECT_EQ(direct.host(), "127.0.0.1:8080");
  EXPECT_EQ(direct.clientAddress(), "198.51.100.4");
  EXPECT_EQ(direct.header("X-Pil"), "*Gate=https");  // still visible as a header
}

std::string serialize(const Response& response, detail::WriteOptions options = {}) {
  std::string out;
  detail::appendResponse(out, response, options);
  return out;
}

TEST(ResponseTest, HtmlWithLengthAndClose) {
  Response response;
  response.html("<p>hi</p>");
  EXPECT_EQ(serialize(response, {.close = true}),
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Length: 9\r\nConnection: close\r\n\r\n<p>hi</p>");
}

TEST(ResponseTest, HeadGetsTheLengthWithoutTheBody) {
  Response response;
  response.text("hello");
  EXPECT_EQ(serialize(response, {.headOnly = true}),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 5\r\n\r\n");
}

TEST(ResponseTest, RedirectAndNoBodyStatuses) {
  Response response;
  response.redirect("/next");
  EXPECT_EQ(serialize(response),
            "HTTP/1.1 303 See Other\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n");
  Response empty;
  empty.status(204);
  EXPECT_EQ(serialize(empty), "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_THROW(response.redirect("/x", 200), std::invalid_argument);
}

TEST(ResponseTest, CookiesGetDefaultsAndSecureOverHttps) {
  Response response;
  response.cookie("sid", "abc");
  response.cookie("pref", "dark", "Max-Age=60; Path=/app; SameSite=Strict");
  EXPECT_EQ(response.headers()[0].second, "sid=abc; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(response.headers()[1].second,
            "pref=dark; Max-Age=60; Path=/app; SameSite=Strict; HttpOnly");
  const std::string secure = serialize(response, {.secure = true});
  EXPECT_NE(secure.find("Set-Cookie: sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure\r\n"),
            std::string::npos)
      << secure;
  EXPECT_EQ(serialize(response).find("Secure"), std::string::npos);
}

TEST(ResponseTest, BadHeadersAndCookiesAreRefused) {
  Response response;
  EXPECT_THROW(response.header("Bad Name", "x"), std::invalid_argument);
  EXPECT_THROW(response.header("X-Split", "a\r\nSet-Cookie: evil=1"), std::invalid_argument);
  EXPECT_THROW(response.header("Content-Length", "5"), std::invalid_argument);
  EXPECT_THROW(response.header("connection", "keep-alive"), std::invalid_argument);
  EXPECT_THROW(response.cookie("a", "x;y"), std::invalid_argument);
  EXPECT_THROW(response.cookie("a b", "x"), std::invalid_argument);
  EXPECT_TRUE(response.headers().empty());
}

TEST(DispatchTest, ExactPathsFallbackAndThrowingHandlers) {
  detail::Routes routes;
  routes.handlers["/ok"] = [](const Request&, Response& response, Session&) {
    response.text("ok");
  };
  routes.handlers["/throws"] = [](const Request&, Response& response, Session&) {
    response.text("half");
    throw std::runtime_error("boom");
  };
  Session session;
  const Request ok = build("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n", "/ok?x=1", "");
  Response first;
  detail::dispatch(routes, ok, first, session);
  EXPECT_EQ(first.body(), "ok");
  Response second;
  detail::dispatch(routes, build("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "/throws", ""), second,
                   session);
  EXPECT_EQ(second.status(), 500);
  EXPECT_EQ(second.body().find("half"), std::string::npos);
  Response third;
  detail::dispatch(routes, build("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "/nowhere", ""), third,
                   session);
  EXPECT_EQ(third.status(), 404);
  routes.fallback = [](const Request&, Response& response, Session&) { response.status(410); };
  Response fourth;
  detail::dispatch(routes, build("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "/nowhere", ""), fourth,
                   session);
  EXPECT_EQ(fourth.status(), 410);
}

}  // namespace
}  // namespace httpgate::appserver
