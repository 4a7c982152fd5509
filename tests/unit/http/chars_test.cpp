#include "common/http/chars.h"

#include <gtest/gtest.h>

#include <string>

namespace httpgate::http {
namespace {

TEST(Chars, TokenChars) {
  for (char c : std::string("!#$%&'*+-.^_`|~09azAZ")) {
    EXPECT_TRUE(isTokenChar(static_cast<unsigned char>(c))) << c;
  }
  for (char c : std::string(" \t\"(),/:;<=>?@[\\]{}\x7f")) {
    EXPECT_FALSE(isTokenChar(static_cast<unsigned char>(c))) << int(c);
  }
  EXPECT_FALSE(isTokenChar(0));
  EXPECT_FALSE(isTokenChar(0x80));
  EXPECT_FALSE(isTokenChar(0xFF));
}

TEST(Chars, IsToken) {
  EXPECT_TRUE(isToken("GET"));
  EXPECT_TRUE(isToken("x-custom_1.0"));
  EXPECT_FALSE(isToken(""));
  EXPECT_FALSE(isToken("a b"));
  EXPECT_FALSE(isToken("host:80"));
}

TEST(Chars, FieldValueChars) {
  EXPECT_TRUE(isFieldValueChar(' '));
  EXPECT_TRUE(isFieldValueChar('\t'));
  EXPECT_TRUE(isFieldValueChar('!'));
  EXPECT_TRUE(isFieldValueChar('~'));
  EXPECT_TRUE(isFieldValueChar(0x80));
  EXPECT_TRUE(isFieldValueChar(0xFF));
  EXPECT_FALSE(isFieldValueChar(0));
  EXPECT_FALSE(isFieldValueChar('\r'));
  EXPECT_FALSE(isFieldValueChar('\n'));
  EXPECT_FALSE(isFieldValueChar(0x1F));
  EXPECT_FALSE(isFieldValueChar(0x7F));
}

TEST(Chars, Iequals) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Host", "Hos"));
  EXPECT_FALSE(iequals("Host", "Hosu"));
  // Only ASCII letters fold: '@' and '`' are not the case pair of anything.
  EXPECT_FALSE(iequals("@", "`"));
  EXPECT_FALSE(iequals("[", "{"));
}

TEST(Chars, ListContains) {
  EXPECT_TRUE(listContains("close", "close"));
  EXPECT_TRUE(listContains("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(listContains(" a ,\tb\t, c", "b"));
  EXPECT_TRUE(listContains("a,,b", "b"));
  EXPECT_FALSE(listContains("closed", "close"));
  EXPECT_FALSE(listContains("", "close"));
  EXPECT_FALSE(listContains("x-close", "close"));
}

TEST(Chars, ParseDecimal) {
  EXPECT_EQ(parseDecimal("0"), 0u);
  EXPECT_EQ(parseDecimal("000123"), 123u);
  EXPECT_EQ(parseDecimal("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parseDecimal("18446744073709551616"));
  EXPECT_FALSE(parseDecimal("99999999999999999999999"));
  EXPECT_FALSE(parseDecimal(""));
  EXPECT_FALSE(parseDecimal("+1"));
  EXPECT_FALSE(parseDecimal("-1"));
  EXPECT_FALSE(parseDecimal(" 1"));
  EXPECT_FALSE(parseDecimal("1 "));
  EXPECT_FALSE(parseDecimal("0x10"));
}

TEST(Chars, HexValue) {
  const std::string digits = "0123456789abcdef";
  for (size_t i = 0; i < digits.size(); ++i) {
    EXPECT_EQ(hexValue(digits[i]), static_cast<int>(i)) << digits[i];
  }
  EXPECT_EQ(hexValue('A'), 10);
  EXPECT_EQ(hexValue('F'), 15);
  // Neighbours of the ranges, and bytes whose 0x20 bit makes a letter.
  for (char c : {'/', ':', '@', 'G', '`', 'g', 'x', 'X', ' ', '\t', '\0', '\x7f'}) {
    EXPECT_EQ(hexValue(c), -1) << int(c);
  }
  EXPECT_EQ(hexValue('\x10'), -1);  // 0x10 | 0x20 is '0', not a letter
  EXPECT_EQ(hexValue('\xC1'), -1);  // 0xC1 | 0x20 is 0xE1, not 'a'
}

TEST(Chars, TrimOws) {
  EXPECT_EQ(trimOws(" \t a b \t "), "a b");
  EXPECT_EQ(trimOws("x"), "x");
  EXPECT_EQ(trimOws(" \t "), "");
  EXPECT_EQ(trimOws(""), "");
  EXPECT_EQ(trimOws("\ra\n"), "\ra\n");  // only SP and HTAB are OWS
  EXPECT_TRUE(isOws(' '));
  EXPECT_TRUE(isOws('\t'));
  EXPECT_FALSE(isOws('\r'));
  EXPECT_FALSE(isOws('\v'));
}

TEST(Chars, AsciiLower) {
  EXPECT_EQ(asciiLower('A'), 'a');
  EXPECT_EQ(asciiLower('Z'), 'z');
  EXPECT_EQ(asciiLower('a'), 'a');
  EXPECT_EQ(asciiLower('@'), '@');
  EXPECT_EQ(asciiLower('['), '[');
  EXPECT_EQ(asciiLower('\xC0'), '\xC0');  // obs-text stays as it is
  EXPECT_EQ(asciiLower("Max-Age=1; WebSocket"), "max-age=1; websocket");
  EXPECT_EQ(asciiLower(std::string_view("A\0B", 3)), std::string("a\0b", 3));
  EXPECT_EQ(asciiLower(""), "");
}

}  // namespace
}  // namespace httpgate::http
