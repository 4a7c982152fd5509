#include "common/http/header_rules.h"

#include <array>

#include "common/http/char_table.h"
#include "common/http/chars.h"
#include "common/http/picolisp_fields.h"
#include "common/http/responses.h"

namespace httpgate::http {

namespace {

using detail::equalsLower;

// What a field name means to the gate; one switch per field instead of a
// string comparison per rule.
enum class FieldRole : uint8_t {
  Other,
  HopByHop,    // Connection, Keep-Alive, Proxy-Connection, TE, Trailer, HTTP2-Settings
  Upgrade,     // hop-by-hop too, but kept on an upgrade request
  Forwarding,  // X-Pil, X-Forwarded-*, Forwarded: never taken from a client
  Host,
  Framing,  // Content-Length, Transfer-Encoding
  Expect,
  ContentType,
};

FieldRole roleOf(std::string_view name) {
  constexpr std::string_view kXForwarded = "x-forwarded-";
  if (name.size() >= kXForwarded.size() && (name[0] == 'x' || name[0] == 'X') &&
      equalsLower(name.substr(0, kXForwarded.size()), kXForwarded)) {
    return FieldRole::Forwarding;
  }
  switch (name.size()) {
    case 2:
      return equalsLower(name, "te") ? FieldRole::HopByHop : FieldRole::Other;
    case 4:
      return equalsLower(name, "host") ? FieldRole::Host : FieldRole::Other;
    case 5:  // X-Pil (picolisp_fields.h), never taken from a client
      return equalsLower(name, "x-pil") ? FieldRole::Forwarding : FieldRole::Other;
    case 6:
      return equalsLower(name, "expect") ? FieldRole::Expect : FieldRole::Other;
    case 7:
      if (equalsLower(name, "upgrade")) {
        return FieldRole::Upgrade;
      }
      return equalsLower(name, "trailer") ? FieldRole::HopByHop : FieldRole::Other;
    case 9:
      return equalsLower(name, "forwarded") ? FieldRole::Forwarding : FieldRole::Other;
    case 10:
      return equalsLower(name, "connection") || equalsLower(name, "keep-alive")
                 ? FieldRole::HopByHop
                 : FieldRole::Other;
    case 12:
      return equalsLower(name, "content-type") ? FieldRole::ContentType : FieldRole::Other;
    case 14:
      if (equalsLower(name, "content-length")) {
        return FieldRole::Framing;
      }
      // RFC 9113 3.2.1 (as 7540): the settings of an h2c upgrade, which the
      // gate never forwards.
      return equalsLower(name, "http2-settings") ? FieldRole::HopByHop : FieldRole::Other;
    case 16:
      return equalsLower(name, "proxy-connection") ? FieldRole::HopByHop : FieldRole::Other;
    case 17:
      return equalsLower(name, "transfer-encoding") ? FieldRole::Framing : FieldRole::Other;
    default:
      return FieldRole::Other;
  }
}

// The Connection field values of a head, gathered once so that every other
// field can be checked against them.
class ConnectionOptions {
 public:
  explicit ConnectionOptions(const std::vector<HeaderField>& headers) : headers_(headers) {
    for (const HeaderField& f : headers) {
      if (isConnection(f.name)) {
        if (count_ < values_.size()) {
          values_[count_] = f.value;
        }
        ++count_;
      }
    }
  }

  // True when a Connection field names `name` (RFC 9110 7.6.1). Callers never
  // drop framing fields (nor a request's Host) this way: a client that names
  // Content-Length must not make the gate forward a body the backend then
  // reads as the next request.
  bool names(std::string_view name) const {
    if (count_ <= values_.size()) {
      for (size_t i = 0; i < count_; ++i) {
        if (listContains(values_[i], name)) {
          return true;
        }
      }
      return false;
    }
    for (const HeaderField& f : headers_) {  // many Connection lines: no cache
      if (isConnection(f.name) && listContains(f.value, name)) {
        return true;
      }
    }
    return false;
  }

 private:
  const std::vector<HeaderField>& headers_;
  std::array<std::string_view, 4> values_{};
  size_t count_ = 0;

  static bool isConnection(std::string_view name) {
    return name.size() == 10 && equalsLower(name, "connection");
  }
};

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// RFC 7239 4: a value that is not a token goes in a quoted-string.
void appendForwardedValue(std::string& out, std::string_view value) {
  if (isToken(value)) {
    out.append(value);
    return;
  }
  out.push_back('"');
  // Runs without a quote or backslash go in whole (the usual host:port).
  size_t start = 0;
  for (size_t at = value.find_first_of("\"\\"); at != std::string_view::npos;
       at = value.find_first_of("\"\\", at + 1)) {
    out.append(value, start, at - start);
    out.push_back('\\');
    out.push_back(value[at]);
    start = at + 1;
  }
  out.append(value, start, std::string_view::npos);
  out.push_back('"');
}

void appendForwardedFields(std::string& out, std::string_view host, const ClientInfo& client) {
  appendField(out, "X-Forwarded-For", client.address);
  appendField(out, "X-Forwarded-Proto", client.scheme);
  if (!host.empty()) {
    appendField(out, "X-Forwarded-Host", host);
  }
  out.append("Forwarded: for=");
  if (client.address.empty()) {
    out.append("unknown");
  } else if (client.address.find(':') != std::string_view::npos) {
    out.append("\"[");  // RFC 7239 6: an IPv6 node is bracketed and quoted
    out.append(client.address);
    out.append("]\"");
  } else {
    out.append(client.address);
  }
  out.append(";proto=");
  appendForwardedValue(out, client.scheme);
  if (!host.empty()) {
    out.append(";host=");
    appendForwardedValue(out, host);
  }
  out.append("\r\n");
}

size_t fieldsSize(const std::vector<HeaderField>& headers) {
  size_t n = 0;
  for (const HeaderField& f : headers) {
    n += f.name.size() + f.value.size() + 4;
  }
  return n;
}

void appendStatusCode(std::string& out, int status) {
  const int s = (status >= 100 && status <= 999) ? status : 500;
  out.push_back(static_cast<char>('0' + s / 100));
  out.push_back(static_cast<char>('0' + s / 10 % 10));
  out.push_back(static_cast<char>('0' + s % 10));
}

// A response field that stays at the gate: hop-by-hop, an upgrade's, or
// named in Connection (never a framing field: see ConnectionOptions).
bool staysAtTheGate(const HeaderField& f, FieldRole role, const ConnectionOptions& connection) {
  return role == FieldRole::HopByHop || role == FieldRole::Upgrade ||
         (role != FieldRole::Framing && connection.names(f.name));
}

}  // namespace

bool isHopByHop(std::string_view name) {
  const FieldRole role = roleOf(name);
  return role == FieldRole::HopByHop || role == FieldRole::Upgrade;
}

bool isForwardingHeader(std::string_view name) {
  return roleOf(name) == FieldRole::Forwarding;
}

void appendBackendRequestHead(std::string& out, const RequestHead& head,
                              std::string_view pathPrefix, std::string_view path,
                              const ClientInfo& client, const ForwardOptions& options) {
  out.reserve(out.size() + head.method.size() + pathPrefix.size() + path.size() +
              fieldsSize(head.headers) + 256);
  out.append(head.method);
  out.push_back(' ');
  out.append(pathPrefix);
  out.append(path);
  out.append(head.version == Version::Http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  if (options.picolisp) {
    appendPilFields(out, client.scheme, client.address, client.cipher);
  }
  const ConnectionOptions connection(head.headers);
  bool sentHost = false;
  bool sentLength = false;
  for (const HeaderField& f : head.headers) {
    switch (roleOf(f.name)) {
      case FieldRole::HopByHop:
      case FieldRole::Forwarding:
        continue;
      case FieldRole::Upgrade:
        continue;  // an allowed upgrade is re-added below, filtered
      case FieldRole::Host:
        appendField(out, f.name, head.host);  // the absolute-form authority wins
        sentHost = true;
        continue;
      case FieldRole::Framing:
        if (options.reframe) {
          continue;
        }
        if (options.picolisp && f.name.size() == 14) {
          // Content-Length: http.l reads one number; "5, 5" or a repeated
          // field would leave it without a length.
          if (!sentLength) {
            appendPicolispContentLength(out, f.name, head.contentLength);
            sentLength = true;
          }
          continue;
        }
        break;
      case FieldRole::Expect:
        if (options.reframe || connection.names(f.name)) {
          continue;
        }
        break;
      case FieldRole::ContentType:
        if (connection.names(f.name) ||
            (options.picolisp && appendPicolispContentType(out, f.name, f.value))) {
          continue;
        }
        break;
      case FieldRole::Other:
        if (connection.names(f.name)) {
          continue;
        }
        break;
    }
    appendField(out, f.name, f.value);
  }
  if (!sentHost && !head.host.empty()) {
    appendField(out, "Host", head.host);  // HTTP/1.0 absolute-form without Host
  }
  if (head.upgrade && !options.upgrade.empty()) {
    out.append("Connection: upgrade\r\n");
    appendField(out, "Upgrade", options.upgrade);
  } else if (options.close) {
    out.append("Connection: close\r\n");
  } else if (head.version == Version::Http10) {
    // The backend connection is the gate's, not the client's: ask for it to
    // stay open. An answer to an HTTP/1.0 request is never chunked, so the
    // client can read it whatever the gate does with the connection.
    out.append("Connection: keep-alive\r\n");
  }
  if (options.forwarded) {
    appendForwardedFields(out, head.host, client);
  }
  out.append("\r\n");
}

void appendContentLength(std::string& head, uint64_t length) {
  // The head ends with the CRLF of its last field and the empty line's CRLF:
  // the new field goes between them.
  head.resize(head.size() - 2);
  appendPicolispContentLength(head, "Content-Length", length);
  head.append("\r\n");
}

void appendClientResponseHead(std::string& out, const ResponseHead& head, Version clientVersion,
                              bool keepAlive, bool switching, std::string_view hsts) {
  out.reserve(out.size() + fieldsSize(head.headers) + 64);
  out.append("HTTP/1.1 ");
  appendStatusCode(out, head.status);
  out.push_back(' ');
  // A backend may send no reason; the client then gets the standard one.
  if (!head.reason.empty()) {
    out.append(head.reason);
  } else if (std::string_view standard = reasonPhrase(head.status); standard != "Unknown") {
    out.append(standard);
  }
  out.append("\r\n");
  const ConnectionOptions connection(head.headers);
  for (const HeaderField& f : head.headers) {
    const FieldRole role = roleOf(f.name);
    if (staysAtTheGate(f, role, connection)) {
      continue;
    }
    if (!hsts.empty() && role == FieldRole::Other &&
        equalsLower(f.name, "strict-transport-security")) {
      continue;
    }
    appendField(out, f.name, f.value);
  }
  if (!hsts.empty()) {
    appendField(out, "Strict-Transport-Security", hsts);
  }
  if (switching) {
    out.append("Connection: upgrade\r\n");
    for (const HeaderField& f : head.headers) {
      if (roleOf(f.name) == FieldRole::Upgrade) {
        appendField(out, f.name, f.value);
      }
    }
  } else if (!keepAlive) {
    out.append("Connection: close\r\n");
  } else if (clientVersion == Version::Http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void h2ResponseFields(const ResponseHead& head, std::string_view hsts, std::vector<H2Field>& out,
                      std::string& names) {
  const ConnectionOptions connection(head.headers);
  // The names are written first and viewed after: `names` must not move
  // while the views are taken.
  names.clear();
  names.reserve(fieldsSize(head.headers) + 32);
  struct Kept {
    size_t at;
    size_t length;
    std::string_view value;
  };
  std::vector<Kept> kept;
  kept.reserve(head.headers.size() + 1);
  for (const HeaderField& f : head.headers) {
    const FieldRole role = roleOf(f.name);
    // HTTP/2 frames its own bodies: no Transfer-Encoding (RFC 9113 8.2.2).
    if (staysAtTheGate(f, role, connection) || equalsLower(f.name, "transfer-encoding")) {
      continue;
    }
    if (!hsts.empty() && role == FieldRole::Other &&
        equalsLower(f.name, "strict-transport-security")) {
      continue;
    }
    kept.push_back({names.size(), f.name.size(), f.value});
    for (char c : f.name) {
      names.push_back(asciiLower(c));
    }
  }
  if (!hsts.empty()) {
    kept.push_back({names.size(), 25, hsts});
    names.append("strict-transport-security");
  }
  out.clear();
  for (const Kept& k : kept) {
    out.push_back({std::string_view(names).substr(k.at, k.length), k.value});
  }
}

void h2TrailerFields(std::string_view section, std::vector<H2Field>& out, std::string& names) {
  names.clear();
  names.reserve(section.size());
  struct Kept {
    size_t at;
    size_t length;
    std::string_view value;
  };
  std::vector<Kept> kept;
  while (!section.empty()) {
    const size_t end = section.find("\r\n");
    const std::string_view line = section.substr(0, end);
    section.remove_prefix(end == std::string_view::npos ? section.size() : end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      continue;  // not from the decoder, which refuses such lines
    }
    const std::string_view name = line.substr(0, colon);
    const FieldRole role = roleOf(name);
    if (role == FieldRole::HopByHop || role == FieldRole::Upgrade || role == FieldRole::Framing ||
        role == FieldRole::Host) {
      continue;
    }
    kept.push_back({names.size(), name.size(), trimOws(line.substr(colon + 1))});
    for (char c : name) {
      names.push_back(asciiLower(c));
    }
  }
  out.clear();
  for (const Kept& k : kept) {
    out.push_back({std::string_view(names).substr(k.at, k.length), k.value});
  }
}

}  // namespace httpgate::http
