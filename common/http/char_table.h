// The byte classes the parsers test on every byte, as one constexpr table so
// the hot loops are a load and a mask instead of a call per byte. Internal to
// common/http; chars.h is the public face of the same classes, and holds
// the ASCII helpers (isOws, asciiLower, hexValue) used here too.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/http/chars.h"

namespace httpgate::http::detail {

enum CharClass : uint8_t {
  kToken = 1 << 0,       // tchar (RFC 9110 5.6.2)
  kFieldValue = 1 << 1,  // VCHAR, SP, HT, obs-text
  kTarget = 1 << 2,      // VCHAR except '#': bytes a request-target may hold
  kHex = 1 << 3,         // HEXDIG
  kQdText = 1 << 4,      // qdtext of a quoted-string (RFC 9110 5.6.4)
  kRegName = 1 << 5,     // unreserved and sub-delims of RFC 3986 (reg-name without '%')
  kDigit = 1 << 6,
};

constexpr std::array<uint8_t, 256> makeCharClasses() {
  std::array<uint8_t, 256> t{};
  constexpr const char* kTokenPunct = "!#$%&'*+-.^_`|~";
  constexpr const char* kSubDelims = "!$&'()*+,;=";
  constexpr const char* kUnreservedPunct = "-._~";
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    const bool vchar = c >= 0x21 && c <= 0x7E;
    uint8_t bits = 0;
    if (alpha || digit) {
      bits |= kToken | kRegName;
    }
    if (digit) {
      bits |= kDigit;
    }
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
      bits |= kHex;
    }
    if (vchar || c == ' ' || c == '\t' || c >= 0x80) {
      bits |= kFieldValue;
    }
    if (vchar && c != '#') {
      bits |= kTarget;
    }
    if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
        (c >= 0x5D && c <= 0x7E) || c >= 0x80) {
      bits |= kQdText;
    }
    t[static_cast<size_t>(c)] = bits;
  }
  for (const char* p = kTokenPunct; *p != '\0'; ++p) {
    t[static_cast<unsigned char>(*p)] |= kToken;
  }
  for (const char* p = kSubDelims; *p != '\0'; ++p) {
    t[static_cast<unsigned char>(*p)] |= kRegName;
  }
  for (const char* p = kUnreservedPunct; *p != '\0'; ++p) {
    t[static_cast<unsigned char>(*p)] |= kRegName;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kCharClasses = makeCharClasses();

inline bool hasClass(char c, uint8_t classes) {
  return (kCharClasses[static_cast<unsigned char>(c)] & classes) != 0;
}

// ASCII case-insensitive equality with `lower`, a lowercase literal; inline
// because it runs for many field names of every head.
inline bool equalsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (asciiLower(s[i]) != lower[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace httpgate::http::detail
