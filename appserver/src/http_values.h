// The pure pieces of the app-server library: decoding what a browser sends
// (URL-encoded forms, cookies, multipart bodies), session ids and session
// paths, and where the session lives (behind httpgate or stand-alone). No
// sockets, no processes: unit-tested on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Percent-decoding of a URL component; '+' becomes ' ' when `plusIsSpace`
// (form encoding). A '%' not followed by two hex digits stays as it is.
std::string percentDecode(std::string_view text, bool plusIsSpace);

// "a=1&b=x+y&c" -> {a,1} {b,"x y"} {c,""}, names and values decoded; empty
// pieces ("a=1&&b=2") are skipped.
Pairs parseUrlEncoded(std::string_view text);

// A Cookie header's value (RFC 6265: "a=1; b=2") -> pairs; surrounding
// whitespace trimmed, a value in double quotes unquoted; pieces without '='
// skipped.
Pairs parseCookies(std::string_view header);

// The boundary of a multipart/form-data Content-Type (quoted or not, any
// parameter order), or nullopt for another type or no boundary.
std::optional<std::string> multipartBoundary(std::string_view contentType);

// Splits a multipart/form-data body: parts with a filename go to `uploads`,
// the others to `fields`. Returns false with `error` set when the body is
// malformed (no closing delimiter, a part without Content-Disposition, ...).
bool parseMultipart(std::string_view body, std::string_view boundary, Pairs& fields,
                    std::vector<Upload>& uploads, std::string& error);

// A new session id: 32 lowercase hex digits, 128 bits from getrandom().
std::string newSessionId();

// "/<sesid>~/rest?q" on a session port: the id and "/rest?q". A path
// without the "~" marker in its first segment gives nullopt. "/<sesid>~"
// gives the rest "/", and "/<sesid>~?q" gives "/?q".
struct SessionPath {
  std::string_view id;
  std::string rest;
};
std::optional<SessionPath> splitSessionPath(std::string_view path);

// Whether two session ids are equal, in time independent of where they differ.
bool sameSessionId(std::string_view a, std::string_view b);

// What the request's headers say about how it arrived: through httpgate
// (X-Pil: *Gate=..., or X-Forwarded-Proto) or directly; the browser's
// scheme and Host; the client's address (X-Pil: *Adr, else the first
// X-Forwarded-For, else `peer`). `headers` are (name, value) as received;
// the X-Pil lines are read as common/http/picolisp_fields.h says.
struct Arrival {
  bool behindGate = false;
  std::string scheme = "http";
  std::string host;
  std::string clientAddress;
};
Arrival arrivalOf(const Pairs& headers, std::string_view peer);

// The session's base URL, ending in '/':
//   behind the gate:  <scheme>://<host>/<port>/<sesid>~/
//   stand-alone:      http://<host without port>:<port>/<sesid>~/
// An IPv6 host keeps its brackets.
std::string sessionBaseUrl(const Arrival& arrival, uint16_t port, std::string_view sessionId);

}  // namespace httpgate::appserver::detail
