// Pieces shared by the request and the response head parsers: finding lines,
// parsing field lines, and gathering what the framing-relevant fields say.
// Internal to common/http.
#pragma once

#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Returns the first byte in [p, end) that is not a field-value byte (VCHAR,
// SP, HT, obs-text), or end. Values are most of a head's bytes (User-Agent,
// Accept, Cookie), so with SSE2 they are checked 16 at a time: a block
// without controls and DEL passes at once; HT, the one allowed control, is
// stepped over.
inline const char* skipFieldValue(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i minusOne = _mm_set1_epi8(-1);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compares: 0x00-0x1F are the bytes in [0, 0x20); obs-text is negative.
    const __m128i control = _mm_and_si128(_mm_cmplt_epi8(v, space), _mm_cmpgt_epi8(v, minusOne));
    const int mask = _mm_movemask_epi8(_mm_or_si128(control, _mm_cmpeq_epi8(v, del)));
    if (mask == 0) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(static_cast<unsigned>(mask));
    if (*p != '\t') {
      return p;
    }
    ++p;
  }
#endif
  return skipClass(p, end, kFieldValue);
}

enum class LineScan : uint8_t { Ok, Incomplete, BareLf };

struct Line {
  const char* end = nullptr;   // the CR that ends the line's content
  const char* next = nullptr;  // the byte after the LF
};

// Finds the end of the line starting at `p` (a request or status line),
// looking no further than `limit`. A LF not preceded by CR is BareLf; a CR
// inside the line is left for the caller's character checks to reject.
LineScan findLine(const char* p, const char* limit, Line& line);

enum class FieldScan : uint8_t { Ok, EndOfHead, Incomplete, Invalid };

struct FieldLine {
  FieldScan scan;
  const char* next;    // Ok, EndOfHead: the byte after the line's LF
  const char* reason;  // Invalid: why
};

// Parses the field line, or the empty line that ends the head, starting at
// `p`, in one pass and looking no further than `limit`. On Ok, `field` holds
// views into the line. Invalid: obs-fold, whitespace before the colon, a
// name that is not a token, a bare CR or LF, NUL or another control
// character in the value. A line cut off by `limit` is Incomplete.
FieldLine scanFieldLine(const char* p, const char* limit, HeaderField& field);

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
