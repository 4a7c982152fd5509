// Character classes and small string helpers of RFC 9110/9112.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace httpgate::http {

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
