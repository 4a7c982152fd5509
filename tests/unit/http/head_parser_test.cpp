// Request heads: the good forms, and one regression test per attack.
#include "common/http/head_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/http/parse_outcome.h"

namespace httpgate::http {
namespace {

// The outcome of parsing `in` as one number: kNeedMore, kDone or the status.
int outcome(std::string_view in, const HeadLimits& limits = {}) {
  RequestHead head;
  return outcomeOf(parseRequestHead(in, head, limits));
}

// Parses a complete head and expects success.
RequestHead parseOk(std::string_view in) {
  RequestHead head;
  const ParseResult r = parseRequestHead(in, head, HeadLimits{});
  EXPECT_EQ(r.status, ParseStatus::Done) << r.errorStatus << " " << r.reason;
  EXPECT_EQ(r.consumed, in.size());
  return head;
}

// Every proper prefix of `in` must ask for more or fail with `status` (an
// error may be seen early), never succeed or fail differently.
void expectPrefixesConsistent(std::string_view in, int status) {
  for (size_t n = 0; n < in.size(); ++n) {
    const int got = outcome(in.substr(0, n));
    EXPECT_TRUE(got == kNeedMore || got == status) << "prefix " << n << " gave " << got;
  }
}

TEST(RequestHead, SimpleGet) {
  const RequestHead h =
      parseOk("GET /40001/x?y=1 HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/40001/x?y=1");
  EXPECT_EQ(h.path, "/40001/x?y=1");
  EXPECT_EQ(h.version, Version::Http11);
  EXPECT_EQ(h.host, "example.org");
  ASSERT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(h.headers[0].name, "Host");
  EXPECT_EQ(h.headers[1].name, "Accept");
  EXPECT_EQ(h.headers[1].value, "*/*");
  EXPECT_EQ(h.body, BodyKind::None);
  EXPECT_TRUE(h.keepAlive);
  EXPECT_FALSE(h.upgrade);
  EXPECT_FALSE(h.expectContinue);
  EXPECT_FALSE(h.isHead);
  EXPECT_FALSE(h.isConnect);
}

TEST(RequestHead, EveryPrefixNeedsMore) {
  expectPrefixesConsistent("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", kNeedMore);
}

TEST(RequestHead, PipelinedStopsAtEndOfFirstHead) {
  const std::string first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string second = "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string both = first + second;
  RequestHead head;
  ParseResult r = parseRequestHead(both, head, HeadLimits{});
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(r.consumed, first.size());
  EXPECT_EQ(head.path, "/1");
  r = parseRequestHead(std::string_view(both).substr(r.consumed), head, HeadLimits{});
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(r.consumed, second.size());
  EXPECT_EQ(head.path, "/2");
  ASSERT_EQ(head.headers.size(), 1u);  // the previous head's fields are gone
}

TEST(RequestHead, PipelinedAfterBodyStopsAtHead) {
  const std::string in =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n";
  RequestHead head;
  const ParseResult r = parseRequestHead(in, head, HeadLimits{});
  ASSERT_EQ(r.status, ParseStatus::Done);
  EXPECT_EQ(in.substr(r.consumed), "helloGET /b HTTP/1.1\r\n");
  EXPECT_EQ(head.body, BodyKind::Length);
  EXPECT_EQ(head.contentLength, 5u);
}

TEST(RequestHead, OneLeadingCrlfIgnored) {
  const RequestHead h = parseOk("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(h.path, "/");
}

TEST(RequestHead, TwoLeadingCrlfs) {
  EXPECT_EQ(outcome("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestHead, AbsoluteForm) {
  const RequestHead h =
      parseOk("GET http://example.org:8080/a/b?c HTTP/1.1\r\nHost: other.example\r\n\r\n");
  EXPECT_EQ(h.target, "http://example.org:8080/a/b?c");
  EXPECT_EQ(h.path, "/a/b?c");
  EXPECT_EQ(h.host, "example.org:8080");  // the target's authority overrides Host
}

TEST(RequestHead, AbsoluteFormHttpsWithoutPath) {
  const RequestHead h = parseOk("GET HTTPS://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n");
  EXPECT_EQ(h.path, "/");
  EXPECT_EQ(h.host, "example.org");
}

TEST(RequestHead, AbsoluteFormIpv6) {
  const RequestHead h = parseOk("GET http://[::1]:80/x HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
  EXPECT_EQ(h.path, "/x");
  EXPECT_EQ(h.host, "[::1]:80");
}

TEST(RequestHead, AbsoluteFormRejects) {
  EXPECT_EQ(outcome("GET http://user@example.org/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET http://example.org?q HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET ftp://example.org/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET http://exa<mple/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestHead, AsteriskFormOnlyWithOptions) {
  const RequestHead h = parseOk("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(h.path, "*");
  EXPECT_EQ(outcome("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestHead, AuthorityFormOnlyWithConnect) {
  const RequestHead h =
      parseOk("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n");
  EXPECT_TRUE(h.isConnect);
  EXPECT_EQ(h.path, "");
  EXPECT_EQ(h.host, "example.org:443");
  EXPECT_EQ(outcome("CONNECT example.org HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET example.org:443 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestHead, HeadMethod) {
  const RequestHead h = parseOk("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_TRUE(h.isHead);
}

TEST(RequestHead, Http10KeepAlive) {
  EXPECT_FALSE(parseOk("GET / HTTP/1.0\r\n\r\n").keepAlive);
  const RequestHead h = parseOk("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_EQ(h.version, Version::Http10);
  EXPECT_TRUE(h.keepAlive);
  EXPECT_EQ(h.host, "");
}

TEST(RequestHead, ConnectionClose) {
  EXPECT_FALSE(
      parseOk("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n").keepAlive);
  EXPECT_FALSE(
      parseOk("GET / HTTP/1.1\r\nHost: h\r\nConnection: a\r\nConnection: CLOSE\r\n\r\n").keepAlive);
}

TEST(RequestHead, Upgrade) {
  EXPECT_TRUE(parseOk("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\n"
                      "Upgrade: websocket\r\n\r\n")
                  .upgrade);
  EXPECT_FALSE(parseOk("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n").upgrade);
  EXPECT_FALSE(parseOk("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n").upgrade);
  EXPECT_FALSE(
      parseOk("GET /ws HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n").upgrade);
}

TEST(RequestHead, ExpectContinue) {
  EXPECT_TRUE(parseOk("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
                      "Content-Length: 10\r\n\r\n")
                  .expectContinue);
  EXPECT_FALSE(parseOk("PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n")
                   .expectContinue);
}

TEST(RequestHead, ContentLength) {
  RequestHead h = parseOk("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 00042\r\n\r\n");
  EXPECT_EQ(h.body, BodyKind::Length);
  EXPECT_EQ(h.contentLength, 42u);
  h = parseOk("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(h.contentLength, 5u);
  h = parseOk("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n");
  EXPECT_EQ(h.contentLength, 9223372036854775807u);
  h = parseOk("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(h.body, BodyKind::Length);
  EXPECT_EQ(h.contentLength, 0u);
}

TEST(RequestHead, ContentLengthInvalid) {
  for (const char* value : {"", "+5", "-5", "5a", "0x5", "5 5", "5,", ",5", "5,,5", "1.0"}) {
    EXPECT_EQ(
        outcome(std::string("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ") + value + "\r\n\r\n"),
        400)
        << value;
  }
}

TEST(RequestHead, ContentLengthOverflow) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n"),
            400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n"),
            400);
}

TEST(RequestHead, Chunked) {
  const RequestHead h =
      parseOk("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:  Chunked \t\r\n\r\n");
  EXPECT_EQ(h.body, BodyKind::Chunked);
  EXPECT_EQ(h.headers[1].value, "Chunked");
}

TEST(RequestHead, FieldValueTrimmedAndObsTextKept) {
  const RequestHead h = parseOk(
      "GET / HTTP/1.1\r\nHost: h\r\nX-A: \t a \t b \t\r\nX-B:\r\n"
      "X-C: caf\xc3\xa9\r\n\r\n");
  EXPECT_EQ(h.headers[1].value, "a \t b");
  EXPECT_EQ(h.headers[2].name, "X-B");
  EXPECT_EQ(h.headers[2].value, "");
  EXPECT_EQ(h.headers[3].value, "caf\xc3\xa9");
}

TEST(RequestHead, LongValuesAreCheckedAtEveryPosition) {
  // Values are scanned 16 bytes at a time: every offset of a bad byte counts.
  for (size_t pos = 0; pos < 40; ++pos) {
    std::string value(40, 'v');
    const auto with = [&](char c) {
      value[pos] = c;
      return "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + value + "\r\n\r\n";
    };
    EXPECT_EQ(outcome(with('\x01')), 400) << pos;
    EXPECT_EQ(outcome(with('\x7f')), 400) << pos;
    EXPECT_EQ(outcome(with('\x1f')), 400) << pos;
    EXPECT_EQ(outcome(with('\0')), 400) << pos;
    EXPECT_EQ(outcome(with('\n')), 400) << pos;
    EXPECT_EQ(outcome(with('\r')), 400) << pos;
    EXPECT_EQ(outcome(with('\t')), kDone) << pos;
    EXPECT_EQ(outcome(with('\x80')), kDone) << pos;
    EXPECT_EQ(outcome(with('\xff')), kDone) << pos;
    EXPECT_EQ(outcome(with(' ')), kDone) << pos;
  }
}

TEST(RequestHead, ManyFieldsUpToLimit) {
  HeadLimits limits;
  limits.maxFields = 3;
  const std::string three = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
  EXPECT_EQ(outcome(three, limits), kDone);
  const std::string four = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  EXPECT_EQ(outcome(four, limits), 431);
}

TEST(RequestHead, HeadExactlyAtLimit) {
  const std::string head = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  HeadLimits limits;
  limits.maxHeadBytes = head.size();
  EXPECT_EQ(outcome(head, limits), kDone);
  EXPECT_EQ(outcome(head + "GET", limits), kDone);  // bytes after the head do not count
  limits.maxHeadBytes = head.size() - 1;
  EXPECT_EQ(outcome(head, limits), 431);
}

TEST(RequestHead, InvalidHost) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: example.org/x\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h:8x\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: user@h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h%zz\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: :80\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h%41:80\r\n\r\n"), kDone);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: \r\n\r\n"), kDone);  // empty is allowed (RFC 9112 3.2)
}

TEST(RequestHead, RequestLineSyntax) {
  EXPECT_EQ(outcome("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / http/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1x\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/11\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestHead, TargetBytes) {
  EXPECT_EQ(outcome("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /{}|^`\"<> HTTP/1.1\r\nHost: h\r\n\r\n"), kDone);  // tolerated VCHARs
}

TEST(RequestHead, NotHttpAtAllFailsEarly) {
  // A TLS ClientHello on a plain port: no LF in sight, but no method either.
  EXPECT_EQ(outcome(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)), 400);
  EXPECT_EQ(outcome("GET"), kNeedMore);
  EXPECT_EQ(outcome("GET /"), kNeedMore);
  EXPECT_EQ(outcome("\r"), kNeedMore);
  EXPECT_EQ(outcome(""), kNeedMore);
}

// --- one test per attack ---

TEST(RequestHeadAttack, CLAndTE) {
  const std::string in =
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(outcome(in), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 4\r\n\r\n"),
            400);
  expectPrefixesConsistent(in, 400);
}

TEST(RequestHeadAttack, DuplicateContentLengthDiffering) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"),
            400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 5\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, ObsFold) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n"), 400);
  // A fold right after the request line would hide a field from us.
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, BareCR) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rX-B: b\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\rHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX\r: a\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, BareLF) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\nX-A: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\n\n"), 400);
  EXPECT_EQ(outcome("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  // Rejected before the head is complete.
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\nX-A"), 400);
}

TEST(RequestHeadAttack, ControlCharInHeaderName) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX\x01Y: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX\x7fY: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX\xc3\xa9: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX(Y): a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, ControlCharInHeaderValue) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x1bz\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fz\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tz\r\n\r\n"), kDone);
}

TEST(RequestHeadAttack, NulByte) {
  using namespace std::string_literals;
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"s), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nX\0A: ab\r\n\r\n"s), 400);
  EXPECT_EQ(outcome("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"s), 400);
  EXPECT_EQ(outcome("G\0T / HTTP/1.1\r\nHost: h\r\n\r\n"s), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n"s), 400);
}

TEST(RequestHeadAttack, SpaceBeforeColon) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, OversizedHeaderBlock) {
  std::string in = "GET / HTTP/1.1\r\nHost: h\r\n";
  while (in.size() < 16 * 1024) {
    in += "X-Filler: " + std::string(100, 'a') + "\r\n";
  }
  EXPECT_EQ(outcome(in), 431);           // not complete yet, but the limit is reached
  EXPECT_EQ(outcome(in + "\r\n"), 431);  // complete, but too large
  expectPrefixesConsistent(in, 431);
  HeadLimits small;
  small.maxFields = 10;
  EXPECT_EQ(outcome(in.substr(0, 2000), small), 431);  // too many fields before the end
}

TEST(RequestHeadAttack, OverlongRequestLine) {
  const std::string line = "GET /" + std::string(9000, 'a');
  EXPECT_EQ(outcome(line), 414);  // no CRLF yet
  EXPECT_EQ(outcome(line + " HTTP/1.1\r\nHost: h\r\n\r\n"), 414);
  HeadLimits limits;
  limits.maxRequestLine = 20;
  EXPECT_EQ(outcome("GET /123456789012345 HTTP/1.1\r\nHost: h\r\n\r\n", limits), 414);
  EXPECT_EQ(outcome("GET /12345 HTTP/1.1\r\nHost: h\r\n\r\n", limits), kDone);  // 20 bytes
  EXPECT_EQ(outcome("GET /12345 HTTP/1.1\r", limits), kNeedMore);               // its LF may follow
}

TEST(RequestHeadAttack, RequestLineFillingTheHeadLimit) {
  // The head limit is below the request-line limit and the line fills it.
  HeadLimits limits;
  limits.maxHeadBytes = 4096;
  EXPECT_EQ(outcome("GET /" + std::string(6000, 'a'), limits), 414);
  EXPECT_EQ(outcome("GET /" + std::string(4091, 'a'), limits), 414);
  EXPECT_EQ(outcome("GET /" + std::string(4090, 'a'), limits), kNeedMore);
  EXPECT_EQ(outcome("GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits),
            414);
}

TEST(RequestHeadAttack, TransferEncodingOnHttp10) {
  EXPECT_EQ(outcome("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, UnsupportedTransferCoding) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
            501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"),
            501);
}

TEST(RequestHeadAttack, TransferEncodingNotEndingInChunked) {
  // RFC 9112 6.3: the length of such a request cannot be known: 400.
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, TransferEncodingMalformed) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,chunked\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked,\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, MissingHost) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nX-A: b\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET http://example.org/ HTTP/1.1\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, DuplicateHost) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
}

TEST(RequestHeadAttack, Http2Version) {
  EXPECT_EQ(outcome("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
  EXPECT_EQ(outcome("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 505);
  EXPECT_EQ(outcome("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505);
  // The HTTP/2 connection preface is not a request we can answer in HTTP/1.1.
  EXPECT_EQ(outcome("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
}

}  // namespace
}  // namespace httpgate::http
