// Fuzz target for the HTTP/2 -> HTTP/1.1 request translation
// (common/http/h2_request.h). The input is a field list: the first byte
// says whether the HEADERS end the stream, then fields separated by '\n',
// each "name\0value" (a field without '\0' has an empty value). Beyond "no
// crash" it checks that whatever is accepted is one well-formed HTTP/1.1
// head the gate's own parser reads whole:
//  - it ends with the only empty line, and no line holds a bare CR or LF;
//  - parseRequestHead finishes it (Done or an error status, never NeedMore)
//    and, when Done, consumes exactly the head;
//  - the parsed head's body framing is what the translation said
//    (chunked, a length, or none);
//  - the same input translates the same way twice.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/h2_request.h"
#include "common/http/head_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

std::vector<httpgate::http::H2Field> fieldsOf(std::string_view input) {
  std::vector<httpgate::http::H2Field> fields;
  while (!input.empty() && fields.size() < 256) {
    const size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    const size_t split = line.find('\0');
    if (split == std::string_view::npos) {
      fields.push_back({line, {}});
    } else {
      fields.push_back({line.substr(0, split), line.substr(split + 1)});
    }
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
  }
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::http;
  if (size == 0) {
    return 0;
  }
  const bool endStream = (data[0] & 1) != 0;
  const std::vector<H2Field> fields =
      fieldsOf(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  std::string head;
  const H2Request request = translateH2Request(fields, endStream, "AAAAAAAAAAAAAAAAAAAAAA==", head);
  std::string again;
  const H2Request second = translateH2Request(fields, endStream, "AAAAAAAAAAAAAAAAAAAAAA==", again);
  FUZZ_CHECK(second.status == request.status);
  if (request.status != H2RequestStatus::Ok) {
    FUZZ_CHECK(!request.problem.empty());
    return 0;
  }
  FUZZ_CHECK(again == head);
  FUZZ_CHECK(!(request.chunked && !request.hasBody));

  // CR and LF only as line ends, and the first empty line is the end.
  FUZZ_CHECK(head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0);
  FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4);
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r') {
      FUZZ_CHECK(i + 1 < head.size() && head[i + 1] == '\n');
    } else if (head[i] == '\n') {
      FUZZ_CHECK(i > 0 && head[i - 1] == '\r');
    } else {
      FUZZ_CHECK(head[i] != '\0');
    }
  }

  HeadLimits limits;
  limits.maxHeadBytes = 1 << 20;
  limits.maxRequestLine = 1 << 20;
  limits.maxFields = 1 << 10;
  RequestHead parsed;
  const ParseResult result = parseRequestHead(head, parsed, limits);
  FUZZ_CHECK(result.status != ParseStatus::NeedMore);
  if (result.status == ParseStatus::Done) {
    FUZZ_CHECK(result.consumed == head.size());
    if (request.chunked) {
      FUZZ_CHECK(parsed.body == BodyKind::Chunked);
    } else {
      FUZZ_CHECK(parsed.body != BodyKind::Chunked);
    }
    FUZZ_CHECK(request.websocket == false || parsed.upgrade);
  }
  return 0;
}
