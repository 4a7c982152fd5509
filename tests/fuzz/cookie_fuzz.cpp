// Fuzz target for the app-server library's Cookie header parser. The input
// is the header's value. Beyond "no crash" it checks:
//  - a name is never empty, holds no '=' or ';' and has no surrounding
//    whitespace; a value holds no ';';
//  - there are no more pairs than ';' pieces;
//  - the pairs, written again as name="value", parse back to themselves.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "appserver/src/http_values.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

bool isBlank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::appserver::detail;
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const Pairs pairs = parseCookies(header);
  FUZZ_CHECK(parseCookies(header) == pairs);
  FUZZ_CHECK(pairs.size() <=
             static_cast<size_t>(std::count(header.begin(), header.end(), ';')) + 1);

  size_t bytes = 0;
  for (const auto& [name, value] : pairs) {
    FUZZ_CHECK(!name.empty() && !isBlank(name.front()) && !isBlank(name.back()));
    FUZZ_CHECK(name.find_first_of("=;") == std::string::npos);
    FUZZ_CHECK(value.find(';') == std::string::npos);
    bytes += name.size() + 1 + value.size();
  }
  FUZZ_CHECK(bytes <= header.size());

  std::string written;
  for (const auto& [name, value] : pairs) {
    written += (written.empty() ? "" : "; ") + name + "=\"" + value + "\"";
  }
  FUZZ_CHECK(parseCookies(written) == pairs);
  return 0;
}
