// Fuzz target for the response head parser, as the gate drives it: the
// backend's bytes arrive in pieces, the parser is called again on all bytes
// so far, 1xx interim heads come before the final one, and the body that
// follows is decoded. Beyond "no crash" it checks:
//  - a head is never refused, nor taken, before all of it arrived: a prefix
//    of a head parses to NeedMore, and a prefix that parses to Error or Done
//    says what the whole input says;
//  - the limits hold exactly: a head of N bytes and F fields passes with
//    maxHeadBytes = N and maxFields = F, and fails with one less;
//  - the framing follows RFC 9112 6.3 (no body after HEAD, 1xx, 204, 304;
//    a body until close never keeps the connection);
//  - the body decodes to the same end and payload however it is cut.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <cstdint>
#include <string_view>

#include "common/http/chars.h"
#include "common/http/head_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace httpgate::http {
namespace {

using fuzz::checkBody;
using fuzz::checkFields;
using fuzz::inside;
using fuzz::SplitRandom;

bool sameResult(const ParseResult& a, const ParseResult& b) {
  return a.status == b.status && a.consumed == b.consumed && a.errorStatus == b.errorStatus;
}

bool sameHead(const ResponseHead& a, const ResponseHead& b) {
  if (a.version != b.version || a.status != b.status || a.reason != b.reason || a.body != b.body ||
      a.contentLength != b.contentLength || a.keepAlive != b.keepAlive ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return true;
}

bool hasField(const ResponseHead& head, std::string_view name) {
  for (const HeaderField& f : head.headers) {
    if (iequals(f.name, name)) {
      return true;
    }
  }
  return false;
}

// The first `cut` bytes of `in` against the whole of it (`whole`, `head`).
void checkPrefix(std::string_view in, size_t cut, bool requestWasHead, const ParseResult& whole,
                 const ResponseHead& head) {
  ResponseHead part;
  const ParseResult r = parseResponseHead(in.substr(0, cut), part, requestWasHead, HeadLimits{});
  if (whole.status == ParseStatus::Done && cut < whole.consumed) {
    FUZZ_CHECK(r.status == ParseStatus::NeedMore);
  }
  if (r.status == ParseStatus::Error) {
    FUZZ_CHECK(whole.status == ParseStatus::Error);
  }
  if (r.status == ParseStatus::Done) {
    FUZZ_CHECK(sameResult(r, whole));
    FUZZ_CHECK(sameHead(part, head));
  }
}

void checkLimits(std::string_view in, bool requestWasHead, const ParseResult& whole,
                 const ResponseHead& head) {
  const HeadLimits exact{whole.consumed, whole.consumed, head.headers.size()};
  ResponseHead again;
  FUZZ_CHECK(sameResult(parseResponseHead(in, again, requestWasHead, exact), whole));
  FUZZ_CHECK(sameHead(again, head));

  HeadLimits shorter = exact;
  shorter.maxHeadBytes = whole.consumed - 1;
  ParseResult r = parseResponseHead(in, again, requestWasHead, shorter);
  FUZZ_CHECK(r.status == ParseStatus::Error && r.errorStatus == 502);
  if (!head.headers.empty()) {
    HeadLimits fewer = exact;
    fewer.maxFields = head.headers.size() - 1;
    r = parseResponseHead(in, again, requestWasHead, fewer);
    FUZZ_CHECK(r.status == ParseStatus::Error && r.errorStatus == 502);
  }
}

void checkFraming(const ResponseHead& head, bool requestWasHead) {
  FUZZ_CHECK(head.status >= 100 && head.status <= 999);
  const bool noBody =
      requestWasHead || head.status < 200 || head.status == 204 || head.status == 304;
  if (noBody) {
    FUZZ_CHECK(head.body == BodyKind::None);
  } else {
    FUZZ_CHECK(head.body != BodyKind::None);
  }
  if (head.body == BodyKind::UntilClose) {
    FUZZ_CHECK(!head.keepAlive);
  }
  if (head.body == BodyKind::Chunked) {
    FUZZ_CHECK(head.version == Version::Http11 && hasField(head, "Transfer-Encoding"));
  }
  if (head.body == BodyKind::Length) {
    FUZZ_CHECK(hasField(head, "Content-Length") && !hasField(head, "Transfer-Encoding"));
  }
  if (hasField(head, "Transfer-Encoding")) {
    FUZZ_CHECK(!hasField(head, "Content-Length"));
  }
}

// Parses one head at the start of `in`. Returns how many bytes the head
// took, or 0 when there is no complete valid head.
size_t fuzzHead(std::string_view in, bool requestWasHead, SplitRandom& random, ResponseHead& head) {
  const ParseResult r = parseResponseHead(in, head, requestWasHead, HeadLimits{});
  ResponseHead again;
  const ParseResult r2 = parseResponseHead(in, again, requestWasHead, HeadLimits{});
  FUZZ_CHECK(sameResult(r, r2));
  if (r.status == ParseStatus::Done) {
    FUZZ_CHECK(sameHead(head, again));
  }

  // Every cut for a short input, some for a long one, and the last byte
  // before the end of the head.
  if (in.size() <= 64) {
    for (size_t cut = 0; cut < in.size(); ++cut) {
      checkPrefix(in, cut, requestWasHead, r, head);
    }
  } else {
    for (int i = 0; i < 8; ++i) {
      checkPrefix(in, random.below(in.size()), requestWasHead, r, head);
    }
  }
  if (r.status == ParseStatus::Error) {
    FUZZ_CHECK(r.errorStatus == 502 && r.consumed == 0);
    return 0;
  }
  if (r.status == ParseStatus::NeedMore) {
    FUZZ_CHECK(in.size() < HeadLimits{}.maxHeadBytes);
    return 0;
  }
  FUZZ_CHECK(r.consumed > 0 && r.consumed <= in.size());
  FUZZ_CHECK(r.consumed <= HeadLimits{}.maxHeadBytes);
  checkPrefix(in, r.consumed - 1, requestWasHead, r, head);
  const std::string_view headBytes = in.substr(0, r.consumed);
  FUZZ_CHECK(headBytes.substr(headBytes.size() - 2) == "\r\n");
  FUZZ_CHECK(inside(head.reason, headBytes));
  checkFields(head.headers, headBytes);
  checkLimits(in, requestWasHead, r, head);
  checkFraming(head, requestWasHead);
  return r.consumed;
}

// Interim (1xx but 101) heads, then the final head and its body, the way
// the gate reads a response.
void fuzzResponse(std::string_view in, bool requestWasHead, SplitRandom& random) {
  for (int heads = 0; heads < 8; ++heads) {
    ResponseHead head;
    const size_t consumed = fuzzHead(in, requestWasHead, random, head);
    if (consumed == 0) {
      return;
    }
    in.remove_prefix(consumed);
    if (head.status >= 200 || head.status == 101) {
      checkBody(head.body, head.contentLength, in, random);
      return;
    }
  }
}

}  // namespace
}  // namespace httpgate::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::http;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  httpgate::fuzz::SplitRandom random(in);
  fuzzResponse(in, false, random);
  fuzzResponse(in, true, random);
  return 0;
}
