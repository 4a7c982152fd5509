// Strict RFC 9112 parsers for request and response heads. Sans-I/O: they
// take the bytes received so far and either ask for more, report the head
// complete (and how many bytes it took), or name the error status.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/http/message.h"
#include "common/http/parse_result.h"

namespace httpgate::http {

struct HeadLimits {
  size_t maxHeadBytes = 16 * 1024;   // request/status line + fields + final CRLF
  size_t maxRequestLine = 8 * 1024;  // longer request line: 414
  size_t maxFields = 128;            // more header fields: 431
};

// Parses a request head from the start of `in`. On Done, `head` describes the
// request and its views point into `in`; consumed is the head's length
// including the empty line. On NeedMore nothing is stored that the caller may
// use; once `in` holds limits.maxHeadBytes without a complete head the result
// is Error(431), or Error(414) while the request line itself is unfinished.
// Each call parses from the start of `in` (there is no state between calls),
// so a caller receiving a head in pieces should call again only when new
// bytes arrived. The one view that may not point into `in` is the path "/"
// of an absolute-form target without a path (it is a static string).
//
// Rejected (Error 400 unless noted): bare CR or bare LF as a line end, a
// request line not "method SP target SP HTTP/1.x" (other versions: 505),
// control characters or DEL in the target, a field name that is not a token,
// whitespace before the colon, obs-fold (a line starting with SP/HT), control
// characters other than HT in a value, NUL anywhere, Transfer-Encoding on
// HTTP/1.0 or together with Content-Length, a Transfer-Encoding whose final
// coding is not "chunked" (501 when it names an unsupported coding), a
// Content-Length that is not digits or overflows, differing duplicate
// Content-Length values, a missing or duplicate Host on HTTP/1.1, and empty
// lines before the request line beyond the one CRLF RFC 9112 allows.
ParseResult parseRequestHead(std::string_view in, RequestHead& head, const HeadLimits& limits);

// Parses a response head from the start of `in`, for a request that was a
// HEAD request when `requestWasHead` (so the response has no body whatever
// its headers say). Framing per RFC 9112 6.3: 1xx, 204 and 304 have no body;
// Transfer-Encoding chunked; else Content-Length; else until close. Errors
// (bad status line, bad fields, CL+TE, bad or differing Content-Length) are
// Error(502): a response the gate cannot frame is never passed on.
ParseResult parseResponseHead(std::string_view in, ResponseHead& head, bool requestWasHead,
                              const HeadLimits& limits);

}  // namespace httpgate::http
