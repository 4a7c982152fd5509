// Fuzz target for the app-server library's URL-encoded form parser (query
// strings and application/x-www-form-urlencoded bodies) and its percent
// decoding. The input is the encoded text. Beyond "no crash" it checks:
//  - every non-empty '&' piece is one pair, in order;
//  - decoding never grows the text, and leaves text without '%' and '+'
//    as it is;
//  - what the parser returns, encoded again, parses back to the same pairs.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <cstdint>
#include <string>
#include <string_view>

#include "appserver/src/http_values.h"
#include "tests/fuzz/fuzz_support.h"

namespace httpgate::appserver::detail {
namespace {

// Form encoding of one name or value: unreserved bytes as they are, space
// as '+', everything else as %XX.
std::string formEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

void checkDecode(std::string_view text) {
  for (bool plusIsSpace : {false, true}) {
    const std::string decoded = percentDecode(text, plusIsSpace);
    FUZZ_CHECK(decoded.size() <= text.size());
    if (text.find_first_of("%+") == std::string_view::npos) {
      FUZZ_CHECK(decoded == text);
    }
  }
  // Without escapes, '+' is the only difference between the two.
  if (text.find('%') == std::string_view::npos) {
    std::string spaced(text);
    for (char& c : spaced) {
      c = c == '+' ? ' ' : c;
    }
    FUZZ_CHECK(percentDecode(text, true) == spaced);
    FUZZ_CHECK(percentDecode(text, false) == text);
  }
}

}  // namespace
}  // namespace httpgate::appserver::detail

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::appserver::detail;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkDecode(text);

  const Pairs pairs = parseUrlEncoded(text);
  FUZZ_CHECK(parseUrlEncoded(text) == pairs);

  // One pair per non-empty piece, in order, each decoded from its piece.
  size_t index = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view piece = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (piece.empty()) {
      continue;
    }
    FUZZ_CHECK(index < pairs.size());
    const size_t eq = piece.find('=');
    FUZZ_CHECK(pairs[index].first == percentDecode(piece.substr(0, eq), true));
    FUZZ_CHECK(pairs[index].first.size() + pairs[index].second.size() <= piece.size());
    ++index;
  }
  FUZZ_CHECK(index == pairs.size());

  std::string encoded;
  for (const auto& [name, value] : pairs) {
    encoded += (encoded.empty() ? "" : "&") + formEncode(name) + "=" + formEncode(value);
  }
  FUZZ_CHECK(parseUrlEncoded(encoded) == pairs);
  return 0;
}
