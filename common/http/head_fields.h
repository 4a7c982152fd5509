// Pieces shared by the request and the response head parsers: finding lines,
// parsing field lines, and gathering what the framing-relevant fields say.
// Internal to common/http.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/http/char_table.h"
#include "common/http/message.h"

namespace httpgate::http::detail {

// Returns the first byte in [p, end) outside `classes`, or end. Unrolled: it
// runs over every byte of every field value.
inline const char* skipClass(const char* p, const char* end, uint8_t classes) {
  while (end - p >= 4) {
    if (!hasClass(p[0], classes)) {
      return p;
    }
    if (!hasClass(p[1], classes)) {
      return p + 1;
    }
    if (!hasClass(p[2], classes)) {
      return p + 2;
    }
    if (!hasClass(p[3], classes)) {
      return p + 3;
    }
    p += 4;
  }
  while (p < end && hasClass(*p, classes)) {
    ++p;
  }
  return p;
}

enum class LineScan : uint8_t { Ok, Incomplete, BareLf };

struct Line {
  const char* end = nullptr;   // the CR that ends the line's content
  const char* next = nullptr;  // the byte after the LF
};

// Finds the end of the line starting at `p`, looking no further than
// `limit`. A LF not preceded by CR is BareLf; a CR inside the line is left
// for the caller's character checks to reject.
LineScan findLine(const char* p, const char* limit, Line& line);

// Parses the field line [p, end), which is not empty and has no CRLF.
// Returns nullptr and fills `field` (views into the line), or the reason the
// line is invalid: obs-fold, whitespace before the colon, a name that is not
// a token, a CR, NUL or other control character in the value.
const char* parseFieldLine(const char* p, const char* end, HeaderField& field);

// What the fields that frame a message and manage its connection said,
// gathered field by field.
struct FieldSummary {
  uint32_t hostCount = 0;
  std::string_view host;          // the first Host value
  bool hasContentLength = false;  // the values are checked equal as they come
  uint64_t contentLength = 0;
  uint32_t transferCodings = 0;  // codings named by all Transfer-Encoding lines
  uint32_t chunkedCount = 0;     // how many of them are "chunked"
  bool lastCodingChunked = false;
  bool close = false;              // Connection: close
  bool keepAlive = false;          // Connection: keep-alive
  bool connectionUpgrade = false;  // Connection: upgrade
  bool hasUpgrade = false;         // a non-empty Upgrade field
  bool expectContinue = false;     // Expect: 100-continue
};

// Notes `field` in `summary`. Returns nullptr, or the reason a
// Content-Length or Transfer-Encoding value is invalid.
const char* noteField(FieldSummary& summary, const HeaderField& field);

// True when `value` is "uri-host [':' port]" (RFC 3986), or empty when
// !requirePort. With requirePort (CONNECT's authority-form) the port must be
// present and not empty.
bool isValidAuthority(std::string_view value, bool requirePort);

}  // namespace httpgate::http::detail
