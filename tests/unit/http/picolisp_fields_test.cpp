// The field lines written for PicoLisp's http.l (picolisp_fields.h).
#include "common/http/picolisp_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace httpgate::http {
namespace {

// What appendPicolispContentType writes for `value`; "" when it leaves the
// value alone.
std::string contentType(std::string_view value) {
  std::string out;
  return appendPicolispContentType(out, "Content-Type", value) ? out : "";
}

TEST(PicolispFieldsTest, ContentLengthIsPlainDigits) {
  std::string out;
  appendPicolispContentLength(out, "content-length", 0);
  appendPicolispContentLength(out, "Content-Length", 18446744073709551615ULL);
  EXPECT_EQ(out, "content-length: 0\r\nContent-Length: 18446744073709551615\r\n");
}

TEST(PicolispFieldsTest, FormHttpLReadsIsLeftAlone) {
  EXPECT_EQ(contentType("multipart/form-data; boundary=abc"), "");
  EXPECT_EQ(contentType("Multipart/Form-Data; Boundary=a b"), "");
  EXPECT_EQ(contentType("text/plain; charset=utf-8"), "");
  EXPECT_EQ(contentType("application/x-www-form-urlencoded"), "");
}

TEST(PicolispFieldsTest, OtherMultipartFormsAreRewritten) {
  const std::string expected = "Content-Type: multipart/form-data; boundary=abc\r\n";
  EXPECT_EQ(contentType("multipart/form-data;boundary=abc"), expected);
  EXPECT_EQ(contentType("multipart/form-data; boundary=\"abc\""), expected);
  EXPECT_EQ(contentType("multipart/form-data ; charset=utf-8; boundary = abc"), expected);
  EXPECT_EQ(contentType("multipart/form-data; boundary=abc; charset=utf-8"), expected);
  EXPECT_EQ(contentType("multipart/form-data; boundary=\"a\\\"b; c\""),
            "Content-Type: multipart/form-data; boundary=a\"b; c\r\n");
}

TEST(PicolispFieldsTest, MultipartWithoutUsableBoundaryIsLeftAlone) {
  EXPECT_EQ(contentType("multipart/form-data"), "");
  EXPECT_EQ(contentType("multipart/form-data; charset=utf-8"), "");
  EXPECT_EQ(contentType("multipart/form-data; boundary=\"abc"), "");
  EXPECT_EQ(contentType("multipart/form-data; boundary="), "");
}

// The X-Pil lines as the gate writes them and the app-server library reads
// them: what one side writes, the other reads back.
TEST(PicolispFieldsTest, PilFieldsAreWrittenOnePerLine) {
  std::string out;
  appendPilFields(out, "https", "2001:db8::7", "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(out,
            "X-Pil: *Gate=https\r\n"
            "X-Pil: *Adr=2001:db8::7\r\n"
            "X-Pil: *Cipher=TLS_AES_128_GCM_SHA256\r\n");
  out.clear();
  appendPilFields(out, "http", "127.0.0.1", "");
  EXPECT_EQ(out, "X-Pil: *Gate=http\r\nX-Pil: *Adr=127.0.0.1\r\n");
}

TEST(PicolispFieldsTest, PilFieldsWrittenAreReadBack) {
  std::string out;
  appendPilFields(out, "https", "203.0.113.7", "TLS_CHACHA20_POLY1305_SHA256");
  PilFields read;
  size_t pos = 0;
  while (pos < out.size()) {
    const size_t end = out.find("\r\n", pos);
    const std::string_view line = std::string_view(out).substr(pos, end - pos);
    const size_t colon = line.find(':');
    ASSERT_TRUE(isPilField(line.substr(0, colon)));
    readPilField(line.substr(colon + 1), read);
    pos = end + 2;
  }
  EXPECT_EQ(read.gate, "https");
  EXPECT_EQ(read.address, "203.0.113.7");
  EXPECT_EQ(read.cipher, "TLS_CHACHA20_POLY1305_SHA256");
}

TEST(PicolispFieldsTest, PilFieldReading) {
  EXPECT_TRUE(isPilField("X-Pil"));
  EXPECT_TRUE(isPilField("x-PIL"));
  EXPECT_FALSE(isPilField("X-Pile"));
  EXPECT_FALSE(isPilField("X-Forwarded-For"));
  PilFields fields;
  readPilField(" *Adr=192.0.2.1\t", fields);
  readPilField("*Adr=198.51.100.1", fields);  // the first line of a key wins
  readPilField("*Gate=", fields);             // present, though empty
  readPilField("*gate=https", fields);        // keys are case-sensitive
  readPilField("*Other=x", fields);
  readPilField("no equals sign", fields);
  EXPECT_EQ(fields.address, "192.0.2.1");
  EXPECT_EQ(fields.gate, "");
  EXPECT_FALSE(fields.cipher.has_value());
}

}  // namespace
}  // namespace httpgate::http
