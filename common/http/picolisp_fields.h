// The field lines between the gate and PicoLisp applications, written and
// read here only: the gate writes them (header_rules.cpp) and the
// app-server library reads them (appserver/src/http_values.cpp).
//
// X-Pil: one line per fact the gate knows about the client connection,
//   "X-Pil: *Key=value" (a PicoLisp application reads it as *Key):
//     *Gate    the scheme the client spoke to the gate, "http" or "https"
//     *Adr     the client's IP address (an IPv4-mapped IPv6 one as IPv4)
//     *Cipher  the negotiated TLS cipher; only on TLS connections
//   A client's own X-Pil lines never reach a backend (header_rules.h).
//
// Content-Length and Content-Type: http.l matches a field by its lower-cased
// name followed by one space ("content-length: "), so the gate's usual
// `Name: value` suits every field but two whose values it reads by fixed
// position:
//   Content-Length  one decimal number ("5, 5", legal HTTP, reads as nothing);
//   Content-Type    a multipart body is recognized only when the value starts
//                   with "multipart/form-data; boundary=" and the rest of the
//                   line is the boundary itself (no quotes, nothing after it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpgate::http {

// The name of the X-Pil field, as the gate writes it.
inline constexpr std::string_view kPilField = "X-Pil";

// What a request's X-Pil lines say; views into the field values read.
struct PilFields {
  std::optional<std::string_view> gate;     // *Gate
  std::optional<std::string_view> address;  // *Adr
  std::optional<std::string_view> cipher;   // *Cipher
};

// Appends "X-Pil: *Gate=<scheme>", "X-Pil: *Adr=<address>" and, when
// `cipher` is not empty, "X-Pil: *Cipher=<cipher>", each ending in CRLF.
void appendPilFields(std::string& out, std::string_view scheme, std::string_view address,
                     std::string_view cipher);

// True when `name` is X-Pil, in any case.
bool isPilField(std::string_view name);

// Reads the value of one X-Pil field ("*Gate=https", OWS around it
// ignored) into `fields`. The first line of each key wins; a value without
// '=' or with another key is ignored. `fields` keeps views into `value`.
void readPilField(std::string_view value, PilFields& fields);

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
