// The app-server library's pure pieces: form and cookie decoding, multipart
// bodies, session ids and paths, and the session's base URL behind httpgate
// and stand-alone.
#include "appserver/src/http_values.h"

#include <gtest/gtest.h>

#include <set>

namespace httpgate::appserver::detail {
namespace {

using P = std::pair<std::string, std::string>;

TEST(PercentDecode, DecodesEscapesAndPlusOnlyInForms) {
  EXPECT_EQ(percentDecode("a%20b+c%2Fd", true), "a b c/d");
  EXPECT_EQ(percentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percentDecode("%C3%A9t%c3%a9", false), "\xC3\xA9t\xC3\xA9");
}

TEST(PercentDecode, KeepsBrokenEscapes) {
  EXPECT_EQ(percentDecode("100%", false), "100%");
  EXPECT_EQ(percentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percentDecode("%", true), "%");
}

TEST(UrlEncoded, SplitsDecodesAndSkipsEmptyPieces) {
  EXPECT_EQ(parseUrlEncoded("a=1&b=x+y&&c&d=%3D%26"),
            (Pairs{P{"a", "1"}, P{"b", "x y"}, P{"c", ""}, P{"d", "=&"}}));
  EXPECT_TRUE(parseUrlEncoded("").empty());
  EXPECT_EQ(parseUrlEncoded("a=1&a=2"), (Pairs{P{"a", "1"}, P{"a", "2"}}));
}

TEST(Cookies, TrimsUnquotesAndSkipsPiecesWithoutValue) {
  EXPECT_EQ(parseCookies(" a=1; b=\"two words\";flag; c = 3 ;=x"),
            (Pairs{P{"a", "1"}, P{"b", "two words"}, P{"c", "3"}}));
}

TEST(MultipartBoundary, QuotedOrNotInAnyOrder) {
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipartBoundary("Multipart/Form-Data;charset=utf-8; boundary=\"a b;c\""), "a b;c");
  EXPECT_FALSE(multipartBoundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(multipartBoundary("multipart/form-data"));
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST(Multipart, FieldsAndUploadsWithBinaryContent) {
  const std::string file("line1\r\n--not-the-boundary\r\n\0bin", 32);
  const std::string body =
      "preamble\r\n--XyZ\r\n"
      "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
      "Hello, world\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"doc\"; filename=\"a;b.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\n" +
      file + "\r\n--XyZ--\r\nepilogue";
  Pairs fields;
  std::vector<Upload> uploads;
  std::string error;
  ASSERT_TRUE(parseMultipart(body, "XyZ", fields, uploads, error)) << error;
  EXPECT_EQ(fields, (Pairs{P{"title", "Hello, world"}}));
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].field, "doc");
  EXPECT_EQ(uploads[0].filename, "a;b.txt");
  EXPECT_EQ(uploads[0].contentType, "text/plain");
  EXPECT_EQ(uploads[0].data, file);
}

TEST(Multipart, EmptyValuesAndEmptyFiles) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n\r\n--b--\r\n";
  Pairs fields;
  std::vector<Upload> uploads;
  std::string error;
  ASSERT_TRUE(parseMultipart(body, "b", fields, uploads, error)) << error;
  EXPECT_EQ(fields, (Pairs{P{"empty", ""}}));
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].data, "");
}

// Found by the fuzz target: when the CRLF that ends a part's headers is the
// one of the next delimiter, the part is empty; it used to get the rest of
// the body, the delimiter and later parts included.
TEST(Multipart, HeadersEndingAtTheDelimiterGiveAnEmptyPart) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--b\r\n"
      "Content-Disposition: form-data; name=\"c\"\r\n\r\n2\r\n--b--\r\n";
  Pairs fields;
  std::vector<Upload> uploads;
  std::string error;
  ASSERT_TRUE(parseMultipart(body, "b", fields, uploads, error)) << error;
  EXPECT_EQ(fields, (Pairs{P{"a", ""}, P{"c", "2"}}));
  EXPECT_TRUE(uploads.empty());
}

TEST(Multipart, MalformedBodiesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no boundary at all", "no opening boundary"},
      {"x--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--",
       "no opening boundary"},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end", "no closing boundary"},
      {"--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--",
       "a part without a Content-Disposition name"},
      {"--bjunk\r\n", "malformed boundary line"},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n1\r\n--b--",
       "a part without the end of its headers"},
  };
  for (const auto& [body, message] : cases) {
    Pairs fields;
    std::vector<Upload> uploads;
    std::string error;
    EXPECT_FALSE(parseMultipart(body, "b", fields, uploads, error)) << body;
    EXPECT_EQ(error, message) << body;
  }
}

TEST(SessionId, ThirtyTwoHexDigitsAndNeverTheSame) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = newSessionId();
    ASSERT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(SessionPath, SplitsIdAndRest) {
  auto split = splitSessionPath("/0123abcd~/cart?item=2");
  ASSERT_TRUE(split);
  EXPECT_EQ(split->id, "0123abcd");
  EXPECT_EQ(split->rest, "/cart?item=2");
  EXPECT_EQ(splitSessionPath("/abc~")->rest, "/");
  EXPECT_EQ(splitSessionPath("/abc~?x=1")->rest, "/?x=1");
  EXPECT_EQ(splitSessionPath("/abc~page.html")->rest, "/page.html");
  EXPECT_EQ(splitSessionPath("/~/x")->id, "");
}

TEST(SessionPath, NoMarkerInTheFirstSegment) {
  EXPECT_FALSE(splitSessionPath("/cart"));
  EXPECT_FALSE(splitSessionPath("/cart/a~b"));
  EXPECT_FALSE(splitSessionPath("/cart?x=~"));
  EXPECT_FALSE(splitSessionPath("*"));
  EXPECT_FALSE(splitSessionPath(""));
}

TEST(SessionId, ComparedWhole) {
  EXPECT_TRUE(sameSessionId("abc", "abc"));
  EXPECT_FALSE(sameSessionId("abc", "abd"));
  EXPECT_FALSE(sameSessionId("abc", "ab"));
  EXPECT_FALSE(sameSessionId("", "a"));
}

TEST(Arrival, BehindTheGateFromXPil) {
  const Arrival arrival =
      arrivalOf({P{"Host", "example.org"}, P{"X-Pil", "*Gate=https"},
                 P{"X-Pil", "*Adr=203.0.113.7"}, P{"X-Forwarded-For", "198.51.100.1"}},
                "127.0.0.1");
  EXPECT_TRUE(arrival.behindGate);
  EXPECT_EQ(arrival.scheme, "https");
  EXPECT_EQ(arrival.host, "example.org");
  EXPECT_EQ(arrival.clientAddress, "203.0.113.7");
}

TEST(Arrival, BehindAProxyFromXForwarded) {
  const Arrival arrival = arrivalOf(
      {P{"host", "127.0.0.1:8080"}, P{"x-forwarded-proto", "https"},
       P{"x-forwarded-host", "shop.example"}, P{"x-forwarded-for", "2001:db8::1, 10.0.0.1"}},
      "127.0.0.1");
  EXPECT_TRUE(arrival.behindGate);
  EXPECT_EQ(arrival.scheme, "https");
  EXPECT_EQ(arrival.host, "shop.example");
  EXPECT_EQ(arrival.clientAddress, "2001:db8::1");
}

TEST(Arrival, StandAloneTrustsNoForwardingHeaderButTheGates) {
  const Arrival arrival = arrivalOf({P{"Host", "localhost:8080"}}, "192.0.2.9");
  EXPECT_FALSE(arrival.behindGate);
  EXPECT_EQ(arrival.scheme, "http");
  EXPECT_EQ(arrival.host, "localhost:8080");
  EXPECT_EQ(arrival.clientAddress, "192.0.2.9");
}

TEST(BaseUrl, BehindTheGateAndStandAlone) {
  Arrival gate;
  gate.behindGate = true;
  gate.scheme = "https";
  gate.host = "example.org:8443";
  EXPECT_EQ(sessionBaseUrl(gate, 40001, "f00d"), "https://example.org:8443/40001/f00d~/");
  Arrival direct;
  direct.host = "localhost:8080";
  EXPECT_EQ(sessionBaseUrl(direct, 40001, "f00d"), "http://localhost:40001/f00d~/");
  direct.host = "[::1]:8080";
  EXPECT_EQ(sessionBaseUrl(direct, 40002, "ab"), "http://[::1]:40002/ab~/");
  direct.host = "[::1]";
  EXPECT_EQ(sessionBaseUrl(direct, 40002, "ab"), "http://[::1]:40002/ab~/");
  direct.host = "";
  EXPECT_EQ(sessionBaseUrl(direct, 1, "ab"), "http://localhost:1/ab~/");
}

}  // namespace
}  // namespace httpgate::appserver::detail
