// Fuzz target for the sans-I/O HTTP/1.1 code: the request and response head
// parsers, the body decoder under random splits, and the serializers. Beyond
// "no crash" it checks what the gate relies on:
//  - a parsed head's views lie inside the input, and its fields are clean;
//  - a head the gate re-serializes parses again, to the same framing;
//  - a body decodes to the same end however the input is cut.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/http/body_decoder.h"
#include "common/http/chars.h"
#include "common/http/head_parser.h"
#include "common/http/header_rules.h"
#include "common/http/responses.h"
#include "common/http/upgrade_offer.h"

namespace httpgate::http {
namespace {

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)

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

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void checkFields(const std::vector<HeaderField>& fields, std::string_view head) {
  for (const HeaderField& f : fields) {
    FUZZ_CHECK(isToken(f.name));
    FUZZ_CHECK(inside(f.name, head));
    FUZZ_CHECK(inside(f.value, head));
    for (char c : f.value) {
      FUZZ_CHECK(isFieldValueChar(static_cast<unsigned char>(c)));
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
  bool operator==(const BodyOutcome&) const = default;
};

// Feeds `in` to a fresh decoder in pieces of random size, or whole when
// `random` is null.
BodyOutcome decodeBody(BodyKind kind, uint64_t length, std::string_view in, SplitRandom* random) {
  BodyDecoder d;
  d.reset(kind, length);
  BodyOutcome total;
  size_t pos = 0;
  do {
    const size_t left = in.size() - pos;
    const size_t piece = (random == nullptr || left == 0) ? left : 1 + random->below(left);
    const BodyDecoder::Step step = d.feed(in.substr(pos, piece));
    if (step.error) {
      FUZZ_CHECK(step.consumed == 0);
      return BodyOutcome{0, false, true};
    }
    FUZZ_CHECK(step.consumed <= piece);
    FUZZ_CHECK(step.done == d.done());
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

void checkBody(BodyKind kind, uint64_t length, std::string_view in, SplitRandom& random) {
  const BodyOutcome whole = decodeBody(kind, length, in, nullptr);
  FUZZ_CHECK(whole.consumed <= in.size());
  if (kind == BodyKind::UntilClose) {
    FUZZ_CHECK(whole.consumed == in.size() && !whole.done && !whole.error);
  }
  for (int i = 0; i < 3; ++i) {
    FUZZ_CHECK(decodeBody(kind, length, in, &random) == whole);
  }
}

void fuzzRequest(std::string_view in, SplitRandom& random) {
  RequestHead head;
  const ParseResult r = parseRequestHead(in, head, HeadLimits{});
  if (r.status == ParseStatus::Error) {
    const int s = r.errorStatus;
    FUZZ_CHECK(s == 400 || s == 414 || s == 431 || s == 501 || s == 505);
    return;
  }
  if (r.status != ParseStatus::Done) {
    return;
  }
  FUZZ_CHECK(r.consumed > 0 && r.consumed <= in.size());
  const std::string_view headBytes = in.substr(0, r.consumed);
  FUZZ_CHECK(isToken(head.method));
  FUZZ_CHECK(inside(head.target, headBytes) && !head.target.empty());
  FUZZ_CHECK(inside(head.path, headBytes) || head.path == "/");
  FUZZ_CHECK(inside(head.host, headBytes));
  FUZZ_CHECK(head.body != BodyKind::UntilClose);
  checkFields(head.headers, headBytes);

  // The head alone parses the same way: nothing after it was looked at.
  RequestHead again;
  const ParseResult r2 = parseRequestHead(headBytes, again, HeadLimits{});
  FUZZ_CHECK(r2.status == ParseStatus::Done && r2.consumed == r.consumed);

  // What the gate sends the backend is a head the strict parser accepts,
  // framed the same way: no request can turn into two on the way.
  if (!head.isConnect) {
    std::string out;
    // As the gate does: only an allowed protocol keeps the upgrade.
    const std::string offer = allowedUpgrades(head.headers, {"websocket"});
    ForwardOptions options;
    options.upgrade = offer;
    appendBackendRequestHead(out, head, "", head.path, ClientInfo{"::1", "https", "TLS_X"},
                             options);
    RequestHead forwarded;
    HeadLimits roomy;
    roomy.maxHeadBytes = 1 << 20;
    roomy.maxFields = 1024;
    const ParseResult r3 = parseRequestHead(out, forwarded, roomy);
    FUZZ_CHECK(r3.status == ParseStatus::Done && r3.consumed == out.size());
    FUZZ_CHECK(forwarded.method == head.method && forwarded.path == head.path);
    FUZZ_CHECK(forwarded.body == head.body && forwarded.contentLength == head.contentLength);
    FUZZ_CHECK(forwarded.upgrade == (head.upgrade && !offer.empty()));
  }
  checkBody(head.body, head.contentLength, in.substr(r.consumed), random);
}

void fuzzResponse(std::string_view in, bool requestWasHead, SplitRandom& random) {
  ResponseHead head;
  const ParseResult r = parseResponseHead(in, head, requestWasHead, HeadLimits{});
  if (r.status == ParseStatus::Error) {
    FUZZ_CHECK(r.errorStatus == 502);
    return;
  }
  if (r.status != ParseStatus::Done) {
    return;
  }
  FUZZ_CHECK(r.consumed > 0 && r.consumed <= in.size());
  const std::string_view headBytes = in.substr(0, r.consumed);
  FUZZ_CHECK(head.status >= 100 && head.status <= 999);
  FUZZ_CHECK(inside(head.reason, headBytes));
  checkFields(head.headers, headBytes);
  if (head.body == BodyKind::UntilClose) {
    FUZZ_CHECK(!head.keepAlive);
  }

  const bool switching = head.status == 101;
  std::string out;
  appendClientResponseHead(out, head, Version::Http11, head.keepAlive, switching);
  ResponseHead relayed;
  HeadLimits roomy;
  roomy.maxHeadBytes = 1 << 20;
  roomy.maxFields = 1024;
  const ParseResult r2 = parseResponseHead(out, relayed, requestWasHead, roomy);
  FUZZ_CHECK(r2.status == ParseStatus::Done && r2.consumed == out.size());
  FUZZ_CHECK(relayed.status == head.status && relayed.body == head.body);
  FUZZ_CHECK(relayed.contentLength == head.contentLength);
  checkBody(head.body, head.contentLength, in.substr(r.consumed), random);
}

void fuzzLocalResponse(std::string_view in) {
  LocalResponse response;
  response.status = in.empty() ? 500 : 100 + static_cast<unsigned char>(in[0]) % 500;
  response.location = in;
  response.close = in.size() % 2 == 0;
  std::string out;
  appendLocalResponse(out, response);
  ResponseHead head;
  const ParseResult r = parseResponseHead(out, head, false, HeadLimits{1 << 20, 1 << 20, 16});
  FUZZ_CHECK(r.status == ParseStatus::Done);
  FUZZ_CHECK(head.status == response.status);
}

}  // namespace
}  // namespace httpgate::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::http;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  SplitRandom random(in);
  fuzzRequest(in, random);
  fuzzResponse(in, false, random);
  fuzzResponse(in, true, random);
  // Most inputs are no valid head: decode them as a chunked body directly.
  checkBody(BodyKind::Chunked, 0, in, random);
  fuzzLocalResponse(in);
  return 0;
}
