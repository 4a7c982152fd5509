// Character classes and small string helpers of RFC 9110/9112, and the one
// home of the ASCII helpers the gate and the app-server library share (hex
// digits, OWS trimming, lower case).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpgate::http {

// OWS = *( SP / HTAB ) (RFC 9110 5.6.3).
inline bool isOws(char c) {
  return c == ' ' || c == '\t';
}

// `s` without the spaces and tabs it starts and ends with.
inline std::string_view trimOws(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && isOws(s[b])) {
    ++b;
  }
  while (e > b && isOws(s[e - 1])) {
    --e;
  }
  return s.substr(b, e - b);
}

// The value of a hex digit (0-9, a-f, A-F), or -1 for any other byte.
inline int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  const char lower = static_cast<char>(c | 0x20);
  if (lower >= 'a' && lower <= 'f') {
    return lower - 'a' + 10;
  }
  return -1;
}

// ASCII lower case: A-Z become a-z, every other byte (obs-text included)
// stays as it is, whatever the locale.
inline char asciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}
// `s` in ASCII lower case.
std::string asciiLower(std::string_view s);

bool isTokenChar(unsigned char c);
bool isToken(std::string_view s);
// Field-value octets: VCHAR, SP, HT and obs-text (0x80-0xFF).
bool isFieldValueChar(unsigned char c);
// ASCII case-insensitive comparison.
bool iequals(std::string_view a, std::string_view b);
// True when the comma-separated list `value` holds `token` (case-insensitive).
bool listContains(std::string_view value, std::string_view token);
// Parses a non-empty decimal without sign or spaces; nullopt on overflow.
std::optional<uint64_t> parseDecimal(std::string_view s);

}  // namespace httpgate::http
