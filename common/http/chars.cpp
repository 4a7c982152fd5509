#include "common/http/chars.h"

#include <limits>

#include "common/http/char_table.h"

namespace httpgate::http {

using detail::hasClass;

bool isTokenChar(unsigned char c) {
  return (detail::kCharClasses[c] & detail::kToken) != 0;
}

bool isToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!hasClass(c, detail::kToken)) {
      return false;
    }
  }
  return true;
}

bool isFieldValueChar(unsigned char c) {
  return (detail::kCharClasses[c] & detail::kFieldValue) != 0;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string asciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = asciiLower(c);
  }
  return out;
}

bool listContains(std::string_view value, std::string_view token) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) {
      comma = value.size();
    }
    if (iequals(trimOws(value.substr(pos, comma - pos)), token)) {
      return true;
    }
    pos = comma + 1;
  }
  return false;
}

std::optional<uint64_t> parseDecimal(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t v = 0;
  for (char c : s) {
    if (!hasClass(c, detail::kDigit)) {
      return std::nullopt;
    }
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (kMax - d) / 10) {
      return std::nullopt;
    }
    v = v * 10 + d;
  }
  return v;
}

}  // namespace httpgate::http
