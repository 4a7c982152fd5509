#include "common/http/responses.h"

#include <gtest/gtest.h>

#include <string>

namespace httpgate::http {
namespace {

TEST(Responses, ReasonPhrases) {
  EXPECT_EQ(reasonPhrase(100), "Continue");
  EXPECT_EQ(reasonPhrase(101), "Switching Protocols");
  EXPECT_EQ(reasonPhrase(200), "OK");
  EXPECT_EQ(reasonPhrase(206), "Partial Content");
  EXPECT_EQ(reasonPhrase(302), "Found");
  EXPECT_EQ(reasonPhrase(308), "Permanent Redirect");
  EXPECT_EQ(reasonPhrase(400), "Bad Request");
  EXPECT_EQ(reasonPhrase(410), "Gone");
  EXPECT_EQ(reasonPhrase(414), "URI Too Long");
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(451), "Unavailable For Legal Reasons");
  EXPECT_EQ(reasonPhrase(501), "Not Implemented");
  EXPECT_EQ(reasonPhrase(502), "Bad Gateway");
  EXPECT_EQ(reasonPhrase(504), "Gateway Timeout");
  EXPECT_EQ(reasonPhrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reasonPhrase(299), "Unknown");
  EXPECT_EQ(reasonPhrase(-1), "Unknown");
}

TEST(Responses, EveryCommonStatusHasAPhrase) {
  for (int s : {100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307,
                308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414,
                415, 416, 417, 421, 422, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505}) {
    EXPECT_NE(reasonPhrase(s), "Unknown") << s;
  }
}

// Splits a response into head and body at the first empty line.
std::pair<std::string, std::string> split(const std::string& r) {
  const size_t end = r.find("\r\n\r\n");
  return {r.substr(0, end + 4), r.substr(end + 4)};
}

TEST(Responses, ErrorPage) {
  std::string out;
  LocalResponse r;
  r.status = 502;
  appendLocalResponse(out, r);
  const auto [head, body] = split(out);
  EXPECT_EQ(head,
            "HTTP/1.1 502 Bad Gateway\r\nServer: httpgate\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_NE(body.find("502 Bad Gateway"), std::string::npos);
  EXPECT_EQ(body.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(Responses, CloseAndGivenBody) {
  std::string out;
  LocalResponse r;
  r.status = 400;
  r.close = true;
  r.body = "<p>no</p>";
  appendLocalResponse(out, r);
  EXPECT_EQ(out,
            "HTTP/1.1 400 Bad Request\r\nServer: httpgate\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Length: 9\r\n"
            "Connection: close\r\n\r\n<p>no</p>");
}

TEST(Responses, Redirect) {
  std::string out;
  LocalResponse r;
  r.status = 308;
  r.body = "x";
  r.location = "https://example.org/a?b";
  appendLocalResponse(out, r);
  EXPECT_EQ(out,
            "HTTP/1.1 308 Permanent Redirect\r\nServer: httpgate\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Length: 1\r\n"
            "Location: https://example.org/a?b\r\n\r\nx");
}

TEST(Responses, TooManyRequestsWithRetryAfter) {
  std::string out;
  LocalResponse r;
  r.status = 429;
  r.body = "x";
  r.retryAfter = 17;
  appendLocalResponse(out, r);
  EXPECT_EQ(out,
            "HTTP/1.1 429 Too Many Requests\r\nServer: httpgate\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Length: 1\r\n"
            "Retry-After: 17\r\n\r\nx");
}

TEST(Responses, LocationCannotInjectFields) {
  std::string out;
  LocalResponse r;
  r.status = 302;
  r.body = "x";
  r.location = "/a\r\nSet-Cookie: x=1";
  appendLocalResponse(out, r);
  EXPECT_EQ(out.find("\r\nSet-Cookie"), std::string::npos);
  EXPECT_NE(out.find("Location: /aSet-Cookie: x=1\r\n"), std::string::npos);
}

TEST(Responses, HeadOnlyKeepsLengthButNoBody) {
  std::string out;
  LocalResponse r;
  r.status = 410;
  r.body = "<p>gone</p>";
  r.headOnly = true;
  r.http10 = true;
  appendLocalResponse(out, r);
  EXPECT_EQ(out,
            "HTTP/1.1 410 Gone\r\nServer: httpgate\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(Responses, OtherContentType) {
  std::string out;
  LocalResponse r;
  r.status = 200;
  r.contentType = "text/plain";
  r.body = "ok\n";
  appendLocalResponse(out, r);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: httpgate\r\nContent-Type: text/plain\r\n"
            "Content-Length: 3\r\n\r\nok\n");
}

TEST(Responses, NoContentStatusHasNoBody) {
  std::string out;
  LocalResponse r;
  r.status = 204;
  appendLocalResponse(out, r);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nServer: httpgate\r\n\r\n");
}

}  // namespace
}  // namespace httpgate::http
