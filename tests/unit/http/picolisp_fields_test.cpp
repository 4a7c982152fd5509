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

}  // namespace
}  // namespace httpgate::http
