// Fuzz target for the sans-I/O HTTP/1.1 code: the request and response head
// parsers, the body decoder under random splits, and the serializers. Beyond
// "no crash" it checks what the gate relies on:
//  - a parsed head's views lie inside the input, and its fields are clean;
//  - a head the gate re-serializes parses again, to the same framing;
//  - a body decodes to the same end however the input is cut.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/http/chars.h"
#include "common/http/head_parser.h"
#include "common/http/header_rules.h"
#include "common/http/responses.h"
#include "common/http/upgrade_offer.h"
#include "tests/fuzz/fuzz_support.h"

namespace httpgate::http {
namespace {

using fuzz::checkBody;
using fuzz::checkFields;
using fuzz::inside;
using fuzz::SplitRandom;

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
