// Response heads: framing per RFC 9112 6.3, and 502 for what cannot be framed.
#include <gtest/gtest.h>

#include <string>

#include "common/http/head_parser.h"
#include "tests/unit/http/parse_outcome.h"

namespace httpgate::http {
namespace {

int outcome(std::string_view in, bool requestWasHead = false, const HeadLimits& limits = {}) {
  ResponseHead head;
  return outcomeOf(parseResponseHead(in, head, requestWasHead, limits));
}

ResponseHead parseOk(std::string_view in, bool requestWasHead = false) {
  ResponseHead head;
  const ParseResult r = parseResponseHead(in, head, requestWasHead, HeadLimits{});
  EXPECT_EQ(r.status, ParseStatus::Done) << r.errorStatus << " " << r.reason;
  EXPECT_EQ(r.consumed, in.size());
  return head;
}

TEST(ResponseHead, ContentLength) {
  const ResponseHead h =
      parseOk("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(h.version, Version::Http11);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.reason, "OK");
  ASSERT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(h.body, BodyKind::Length);
  EXPECT_EQ(h.contentLength, 12u);
  EXPECT_TRUE(h.keepAlive);
}

TEST(ResponseHead, EveryPrefixNeedsMore) {
  const std::string in = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  for (size_t n = 0; n < in.size(); ++n) {
    EXPECT_EQ(outcome(in.substr(0, n)), kNeedMore) << n;
  }
}

TEST(ResponseHead, ConsumedStopsAtEndOfHead) {
  const std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n";
  ResponseHead head;
  const ParseResult r = parseResponseHead(in, head, false, HeadLimits{});
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(in.substr(r.consumed), "hiHTTP/1.1 200 OK\r\n");
}

TEST(ResponseHead, ReasonMayBeEmptyOrMissing) {
  EXPECT_EQ(parseOk("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").reason, "");
  EXPECT_EQ(parseOk("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").reason, "");
  EXPECT_EQ(parseOk("HTTP/1.1 599 Very  Odd\tReason\r\nContent-Length: 0\r\n\r\n").reason,
            "Very  Odd\tReason");
}

TEST(ResponseHead, NoBodyStatuses) {
  for (int status : {100, 101, 103, 204, 304}) {
    const std::string in =
        "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 10\r\n\r\n";
    const ResponseHead h = parseOk(in);
    EXPECT_EQ(h.body, BodyKind::None) << status;
    EXPECT_TRUE(h.keepAlive) << status;
  }
  EXPECT_EQ(parseOk("HTTP/1.1 204 No Content\r\n\r\n").body, BodyKind::None);
}

TEST(ResponseHead, ResponseToHeadHasNoBody) {
  const ResponseHead h = parseOk("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true);
  EXPECT_EQ(h.body, BodyKind::None);
  EXPECT_EQ(parseOk("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true).body,
            BodyKind::None);
  // Without any length a HEAD response still ends with its head.
  EXPECT_TRUE(parseOk("HTTP/1.1 200 OK\r\n\r\n", true).keepAlive);
}

TEST(ResponseHead, Chunked) {
  EXPECT_EQ(parseOk("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").body,
            BodyKind::Chunked);
  // The gate forwards the body as it is: codings before chunked are fine.
  EXPECT_EQ(parseOk("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").body,
            BodyKind::Chunked);
}

TEST(ResponseHead, UntilClose) {
  ResponseHead h = parseOk("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n");
  EXPECT_EQ(h.body, BodyKind::UntilClose);
  EXPECT_FALSE(h.keepAlive);
  h = parseOk("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(h.body, BodyKind::UntilClose);
  EXPECT_FALSE(h.keepAlive);
}

TEST(ResponseHead, KeepAlive) {
  EXPECT_FALSE(
      parseOk("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive);
  EXPECT_FALSE(parseOk("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive);
  const ResponseHead h =
      parseOk("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(h.version, Version::Http10);
  EXPECT_TRUE(h.keepAlive);
}

TEST(ResponseHead, BadStatusLine) {
  for (const char* line :
       {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 Low", "HTTP/1.1 abc OK",
        "HTTP/2.0 200 OK", "HTTP/1.1  200 OK", "http/1.1 200 OK", "HTTP/1.1 200\tOK",
        "HTTP/1.1 200 O\x01K", "HTTP/1.1", "ICY 200 OK"}) {
    EXPECT_EQ(outcome(std::string(line) + "\r\nContent-Length: 0\r\n\r\n"), 502) << line;
  }
}

TEST(ResponseHead, NotHttpFailsEarly) {
  EXPECT_EQ(outcome("SSH-2.0-OpenSSH"), 502);
  EXPECT_EQ(outcome("HTTP"), kNeedMore);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK"), kNeedMore);
}

TEST(ResponseHeadAttack, CLAndTE) {
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            502);
}

TEST(ResponseHeadAttack, DuplicateContentLengthDiffering) {
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"), 502);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n"), kDone);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), 502);
}

TEST(ResponseHeadAttack, TransferEncodingOnHttp10) {
  EXPECT_EQ(outcome("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 502);
}

TEST(ResponseHeadAttack, ChunkedTwice) {
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 502);
}

TEST(ResponseHeadAttack, BadFieldLines) {
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"), 502);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n folded\r\n\r\n"), 502);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"), 502);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), 502);
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nX: a\r\n\n"), 502);
}

TEST(ResponseHeadAttack, OversizedHead) {
  std::string in = "HTTP/1.1 200 OK\r\n";
  while (in.size() < 16 * 1024) {
    in += "X-Filler: " + std::string(100, 'a') + "\r\n";
  }
  EXPECT_EQ(outcome(in), 502);
  HeadLimits limits;
  limits.maxFields = 2;
  EXPECT_EQ(outcome("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", false, limits), 502);
}

}  // namespace
}  // namespace httpgate::http
