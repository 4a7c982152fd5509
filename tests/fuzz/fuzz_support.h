// What the fuzz targets share: a check that aborts (so that libFuzzer and the
// replay test report it), a deterministic source of random cuts, and the body
// decoder run under any split of its input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/body_decoder.h"
#include "common/http/chars.h"
#include "common/http/message.h"

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)

namespace httpgate::fuzz {

// A small deterministic generator: the cuts depend on the input only, so a
// crash replays.
class SplitRandom {
 public:
  explicit SplitRandom(std::string_view seed) {
    for (char c : seed) {
      state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    }
  }
  size_t below(size_t n) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return n == 0 ? 0 : static_cast<size_t>(state_ % n);
  }

 private:
  uint64_t state_ = 0xCBF29CE484222325ULL;
};

// Whether the view `part` lies inside `whole` (an empty view anywhere).
inline bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// The fields of a head parsed from `head`: token names, trimmed values of
// field-value bytes, all inside `head`.
inline void checkFields(const std::vector<http::HeaderField>& fields, std::string_view head) {
  for (const http::HeaderField& f : fields) {
    FUZZ_CHECK(http::isToken(f.name));
    FUZZ_CHECK(inside(f.name, head));
    FUZZ_CHECK(inside(f.value, head));
    for (char c : f.value) {
      FUZZ_CHECK(http::isFieldValueChar(static_cast<unsigned char>(c)));
    }
    if (!f.value.empty()) {
      FUZZ_CHECK(f.value.front() != ' ' && f.value.front() != '\t');
      FUZZ_CHECK(f.value.back() != ' ' && f.value.back() != '\t');
    }
  }
}

struct BodyOutcome {
  size_t consumed = 0;
  bool done = false;
  bool error = false;
  std::string payload;  // what decode() handed on (empty when fed with feed())
  bool operator==(const BodyOutcome&) const = default;
};

// Feeds `in` to a fresh decoder in pieces of random size, or whole when
// `random` is null; with `withPayload` through decode(), else feed().
inline BodyOutcome decodeBody(http::BodyKind kind, uint64_t length, std::string_view in,
                              SplitRandom* random, bool withPayload) {
  http::BodyDecoder d;
  d.reset(kind, length);
  BodyOutcome total;
  size_t pos = 0;
  do {
    const size_t left = in.size() - pos;
    const size_t piece = (random == nullptr || left == 0) ? left : 1 + random->below(left);
    const size_t payloadBefore = total.payload.size();
    const http::BodyDecoder::Step step = withPayload
                                             ? d.decode(in.substr(pos, piece), total.payload)
                                             : d.feed(in.substr(pos, piece));
    if (step.error) {
      FUZZ_CHECK(step.consumed == 0);
      return BodyOutcome{0, false, true, {}};
    }
    FUZZ_CHECK(step.consumed <= piece);
    FUZZ_CHECK(step.done == d.done());
    // The payload is some of the consumed bytes, never more.
    FUZZ_CHECK(total.payload.size() - payloadBefore <= step.consumed);
    total.consumed += step.consumed;
    if (step.done) {
      total.done = true;
      return total;
    }
    FUZZ_CHECK(step.consumed == piece);  // a body that is not done takes everything
    pos += piece;
  } while (pos < in.size());
  return total;
}

// Decodes `in` as a body of `kind` whole and in random pieces, with feed()
// and decode(): the end, the error and the payload do not depend on the cuts.
inline void checkBody(http::BodyKind kind, uint64_t length, std::string_view in,
                      SplitRandom& random) {
  const BodyOutcome whole = decodeBody(kind, length, in, nullptr, false);
  FUZZ_CHECK(whole.consumed <= in.size());
  if (kind == http::BodyKind::UntilClose) {
    FUZZ_CHECK(whole.consumed == in.size() && !whole.done && !whole.error);
  }
  for (int i = 0; i < 3; ++i) {
    FUZZ_CHECK(decodeBody(kind, length, in, &random, false) == whole);
  }
  const BodyOutcome decoded = decodeBody(kind, length, in, nullptr, true);
  FUZZ_CHECK(decoded.consumed == whole.consumed && decoded.done == whole.done &&
             decoded.error == whole.error);
  if (!decoded.error && kind != http::BodyKind::Chunked) {
    // Without chunk framing every consumed byte is payload.
    FUZZ_CHECK(decoded.payload == in.substr(0, decoded.consumed));
  }
  FUZZ_CHECK(decodeBody(kind, length, in, &random, true) == decoded);
}

}  // namespace httpgate::fuzz
