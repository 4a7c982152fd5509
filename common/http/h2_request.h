// The request of an HTTP/2 stream, written as the HTTP/1.1 request head the
// gate would have read from an HTTP/1.1 client (RFC 9113 §8.3, §8.2.2,
// RFC 8441). The gate then parses that head with its own strict HTTP/1.1
// parser and routes it like any other, so that every rule about targets,
// hosts, sizes and forwarded fields holds for both protocols by
// construction, not by a second copy of each rule.
//
// The translation:
//   :method :path          the request line (CONNECT without :protocol keeps
//                          its :authority as target: the exchange answers it
//                          405, as it does an HTTP/1.1 client's CONNECT)
//   :authority             Host (a host field that names another host is
//                          malformed; one alone is kept)
//   cookie crumbs          one Cookie field, joined with "; " (§8.2.3)
//   te: trailers           kept; any other te, and connection, keep-alive,
//                          proxy-connection, transfer-encoding and upgrade,
//                          make the request malformed (§8.2.2)
//   content-length         kept when valid (repeats must agree); a request
//                          whose HEADERS end the stream must not promise a body
//   no content-length      and more to come: Transfer-Encoding: chunked, the
//                          stream's DATA re-framed as chunks by the caller
//   extended CONNECT       :protocol websocket becomes GET with Upgrade:
//                          websocket, Connection: Upgrade and the
//                          Sec-WebSocket-Key the caller made (RFC 8441 §5)
// Field names must be lower case tokens and values free of CR, LF and NUL
// and of surrounding white space (§8.2.1); nothing that could end a line
// of the HTTP/1.1 head gets into it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace httpgate::http {

struct H2Field {
  std::string_view name;
  std::string_view value;
};

enum class H2RequestStatus : uint8_t {
  Ok,
  Malformed,            // RFC 9113 §8.1.1: a stream error of type PROTOCOL_ERROR
  UnsupportedProtocol,  // extended CONNECT for a protocol other than websocket: 501
};

struct H2Request {
  H2RequestStatus status = H2RequestStatus::Ok;
  std::string_view problem;  // what was wrong, for the debug log (static text)
  bool chunked = false;      // the body follows as chunks the caller makes of DATA
  bool websocket = false;    // an RFC 8441 WebSocket: the stream becomes a tunnel
  bool hasBody = false;      // DATA follows the HEADERS
};

// Appends the HTTP/1.1 head of the request in `fields` (as HPACK gave them,
// in order) to `out`. `endStream`: the HEADERS frame ended the stream (no
// body). `websocketKey`: the Sec-WebSocket-Key to send the backend for an
// extended CONNECT (24 base64 characters from 16 random bytes). On failure
// `out` holds a partial head, to be thrown away.
H2Request translateH2Request(const std::vector<H2Field>& fields, bool endStream,
                             std::string_view websocketKey, std::string& out);

}  // namespace httpgate::http
