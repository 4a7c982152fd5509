// The field lines PicoLisp's http.l can read. Its parser matches a field by
// its lower-cased name followed by one space ("content-length: "), so the
// gate's usual `Name: value` suits every field but two whose values it reads
// by fixed position:
//   Content-Length  one decimal number ("5, 5", legal HTTP, reads as nothing);
//   Content-Type    a multipart body is recognized only when the value starts
//                   with "multipart/form-data; boundary=" and the rest of the
//                   line is the boundary itself (no quotes, nothing after it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace httpgate::http {

// Appends "name: <length in decimal>\r\n".
void appendPicolispContentLength(std::string& out, std::string_view name, uint64_t length);

// When `value` is a multipart/form-data media type with a boundary parameter
// written any other way than http.l expects (quoted, without the space,
// after other parameters), appends "name: multipart/form-data; boundary=B"
// with B unquoted, and returns true. Returns false, appending nothing, for
// any other value, including one already in that form: the caller forwards
// it as received.
bool appendPicolispContentType(std::string& out, std::string_view name, std::string_view value);

}  // namespace httpgate::http
