// The header rules of a gateway: which fields are hop-by-hop, which ones a
// client must not be able to forge (X-Pil, X-Forwarded-*, Forwarded), and the
// serialization of the heads the gate sends on: a request to the backend and
// a response to the client. Bodies are forwarded verbatim by the caller, so
// Transfer-Encoding and Content-Length are kept as they were received.
#pragma once

#include <string>
#include <string_view>

#include "common/http/h2_request.h"
#include "common/http/message.h"

namespace httpgate::http {

// What the gate knows about the client connection a request came from.
struct ClientInfo {
  std::string_view address;  // client IP as text; IPv4-mapped IPv6 shown as plain IPv4
  std::string_view scheme;   // "https" on a TLS listener, else "http"
  std::string_view cipher;   // negotiated TLS cipher name; empty on plain connections
};

struct ForwardOptions {
  bool forwarded = true;  // add X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239)
  // Add the X-Pil lines PicoLisp applications read, and write the fields
  // PicoLisp's http.l parses in the one form it understands (see
  // picolisp_fields.h): a single Content-Length of plain digits, and a
  // multipart Content-Type as "multipart/form-data; boundary=B".
  bool picolisp = true;
  // The body goes to the backend decoded and re-framed with a Content-Length
  // that the caller adds (appendContentLength): Transfer-Encoding, any
  // Content-Length and Expect are left out (the gate answers Expect itself).
  bool reframe = false;
  // The Upgrade value sent for an upgrade request: the client's protocols
  // the configuration allows (see upgrade_offer.h). When empty, an upgrade
  // request goes on as an ordinary one, without Upgrade and Connection.
  std::string_view upgrade = {};
  // Ask the backend to close after its answer ("Connection: close" instead
  // of keep-alive): for a connection that is never pooled, such as a raw
  // tunnel (gate/raw_tunnel.h), whose bytes after the head must never be
  // read as a second request.
  bool close = false;
};

// True for Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade,
// HTTP2-Settings
// (the fields that describe one hop only). Transfer-Encoding is not in this
// list because the gate forwards chunked bodies unchanged.
bool isHopByHop(std::string_view name);
// True for X-Pil, any X-Forwarded-*, and Forwarded.
bool isForwardingHeader(std::string_view name);

// Appends the request head for the backend to `out`:
//   METHOD SP pathPrefix+path SP HTTP/1.1 (HTTP/1.0 when the client spoke 1.0)
//   X-Pil: *Gate=<scheme> / *Adr=<address> / *Cipher=<cipher> (picolisp; Cipher on TLS
//   only; appendPilFields of picolisp_fields.h)
//   the client's fields in order, minus hop-by-hop ones, fields named in its
//   Connection header, and forwarding fields; Host carries head.host
//   Connection: upgrade + "Upgrade: options.upgrade" when head.upgrade and
//   options.upgrade is not empty, else Connection: close when
//   options.close, else Connection: keep-alive for an HTTP/1.0 request (the
//   backend connection is pooled whatever the client does)
//   X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Forwarded (forwarded)
//   CRLF
// `path` must start with '/' (or be "*"); `pathPrefix` is "" or starts with '/'.
void appendBackendRequestHead(std::string& out, const RequestHead& head,
                              std::string_view pathPrefix, std::string_view path,
                              const ClientInfo& client, const ForwardOptions& options);

// Adds "Content-Length: N" as the last field of `head`, a complete head made
// by appendBackendRequestHead with options.reframe (it ends with CRLF CRLF).
void appendContentLength(std::string& head, uint64_t length);

// Appends the response head for the client to `out`: "HTTP/1.1 status
// reason", the backend's fields minus hop-by-hop ones and those named in its
// Connection header, then "Connection: upgrade" + Upgrade when `switching`
// (a 101 that turns the connection into a tunnel), "Connection: close" when
// !keepAlive, "Connection: keep-alive" when keepAlive and the client spoke
// HTTP/1.0; CRLF. A non-empty `hsts` replaces any Strict-Transport-Security
// field of the backend's (the gate's policy holds for the whole host).
void appendClientResponseHead(std::string& out, const ResponseHead& head, Version clientVersion,
                              bool keepAlive, bool switching, std::string_view hsts = {});

// The fields of a response to an HTTP/2 client (RFC 9113 8.2.2): those
// appendClientResponseHead would send, less the ones that only mean
// something to an HTTP/1.1 connection (Connection and what it names,
// Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, TE, Trailer),
// names in lower case. `names` receives the lower-cased names the views of
// `out` point into; `:status` is the caller's.
void h2ResponseFields(const ResponseHead& head, std::string_view hsts, std::vector<H2Field>& out,
                      std::string& names);

// The trailer fields of a chunked response (`section`: the field lines as
// BodyDecoder::keepTrailers keeps them, already validated) for an HTTP/2
// client's trailing HEADERS: names in lower case, values without their
// surrounding white space, and without the fields that are never trailers
// or only mean something to one HTTP/1.1 hop (framing, Connection and the
// like). `names` receives the lower-cased names the views point into.
void h2TrailerFields(std::string_view section, std::vector<H2Field>& out, std::string& names);

}  // namespace httpgate::http
