#include "common/http/h2_request.h"

#include <optional>

#include "common/http/chars.h"

namespace httpgate::http {
namespace {

// The pseudo-header fields of a request (RFC 9113 §8.3.1, RFC 8441 §4).
struct Pseudo {
  std::optional<std::string_view> method;
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::optional<std::string_view> path;
  std::optional<std::string_view> protocol;
};

// What the regular fields say that the head needs before it is written.
struct Regular {
  std::optional<std::string_view> host;
  std::optional<uint64_t> contentLength;
};

H2Request failure(H2RequestStatus status, std::string_view problem) {
  H2Request request;
  request.status = status;
  request.problem = problem;
  return request;
}

H2Request malformed(std::string_view problem) {
  return failure(H2RequestStatus::Malformed, problem);
}

bool isLowerToken(std::string_view name) {
  if (!isToken(name)) {
    return false;
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      return false;
    }
  }
  return true;
}

// §8.2.1: no NUL, CR or LF anywhere, no white space at either end. Every
// other byte of a field-value (VCHAR, SP, HT, obs-text) is allowed.
bool isCleanValue(std::string_view value) {
  for (char c : value) {
    if (!isFieldValueChar(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return value.empty() || (!isOws(value.front()) && !isOws(value.back()));
}

// Takes one pseudo-header field into `pseudo`; false when it is unknown or
// repeated.
bool takePseudo(const H2Field& field, Pseudo& pseudo) {
  std::optional<std::string_view>* slot = nullptr;
  if (field.name == ":method") {
    slot = &pseudo.method;
  } else if (field.name == ":scheme") {
    slot = &pseudo.scheme;
  } else if (field.name == ":authority") {
    slot = &pseudo.authority;
  } else if (field.name == ":path") {
    slot = &pseudo.path;
  } else if (field.name == ":protocol") {
    slot = &pseudo.protocol;
  }
  if (slot == nullptr || slot->has_value()) {
    return false;
  }
  *slot = field.value;
  return true;
}

// §8.2.2: fields that only mean something to one HTTP/1.1 connection.
bool isConnectionSpecific(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade";
}

// An authority with a userinfo part ("user@host") is not allowed (§8.3.1).
bool hasUserinfo(std::string_view authority) {
  return authority.find('@') != std::string_view::npos;
}

// A request line holds its target between single spaces.
bool hasSpace(std::string_view text) {
  return text.find_first_of(" \t") != std::string_view::npos;
}

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// Checks every field and reads what the head's shape depends on; the
// fields themselves are written by appendRegularFields.
const char* checkFields(const std::vector<H2Field>& fields, Pseudo& pseudo, Regular& regular) {
  bool regularSeen = false;
  for (const H2Field& field : fields) {
    if (!isCleanValue(field.value)) {
      return "a field value with a forbidden character or surrounding white space";
    }
    if (!field.name.empty() && field.name.front() == ':') {
      if (regularSeen) {
        return "a pseudo-header field after a regular one";
      }
      if (!takePseudo(field, pseudo)) {
        return "an unknown or repeated pseudo-header field";
      }
      continue;
    }
    regularSeen = true;
    if (!isLowerToken(field.name)) {
      return "a field name that is not a lower-case token";
    }
    if (isConnectionSpecific(field.name)) {
      return "a connection-specific field";
    }
    if (field.name == "te" && !iequals(field.value, "trailers")) {
      return "te other than trailers";
    }
    if (field.name == "host") {
      if (regular.host && !iequals(*regular.host, field.value)) {
        return "two different host fields";
      }
      regular.host = field.value;
    } else if (field.name == "content-length") {
      const std::optional<uint64_t> length = parseDecimal(field.value);
      if (!length || (regular.contentLength && *regular.contentLength != *length)) {
        return "an invalid or disagreeing content-length";
      }
      regular.contentLength = length;
    }
  }
  return nullptr;
}

// The regular fields, in order: cookie crumbs joined at the first cookie's
// place, host and content-length left to the caller, and for a WebSocket
// the client's own key, which RFC 8441 has no use for (the gate sends its
// own to the backend).
void appendRegularFields(const std::vector<H2Field>& fields, bool websocket, std::string& out) {
  bool cookieDone = false;
  for (const H2Field& field : fields) {
    if (field.name.empty() || field.name.front() == ':' || field.name == "host" ||
        field.name == "content-length" || (websocket && field.name == "sec-websocket-key")) {
      continue;
    }
    if (field.name != "cookie") {
      appendField(out, field.name, field.value);
      continue;
    }
    if (cookieDone) {
      continue;
    }
    cookieDone = true;
    out.append("cookie: ");
    bool first = true;
    for (const H2Field& crumb : fields) {
      if (crumb.name != "cookie") {
        continue;
      }
      if (!first) {
        out.append("; ");
      }
      out.append(crumb.value);
      first = false;
    }
    out.append("\r\n");
  }
}

}  // namespace

H2Request translateH2Request(const std::vector<H2Field>& fields, bool endStream,
                             std::string_view websocketKey, std::string& out) {
  Pseudo pseudo;
  Regular regular;
  if (const char* problem = checkFields(fields, pseudo, regular)) {
    return malformed(problem);
  }
  if (!pseudo.method || !isToken(*pseudo.method)) {
    return malformed("no :method, or one that is not a token");
  }
  const bool connect = *pseudo.method == "CONNECT";
  if (pseudo.protocol && !connect) {
    return malformed(":protocol without CONNECT");
  }
  const bool plainConnect = connect && !pseudo.protocol;
  if (plainConnect) {
    // §8.5: only :method and :authority. The gate tunnels no CONNECT: the
    // exchange answers it 405, as it does an HTTP/1.1 client's.
    if (pseudo.scheme || pseudo.path || !pseudo.authority) {
      return malformed("CONNECT with :scheme or :path, or without :authority");
    }
  } else if (!pseudo.scheme || !pseudo.path || pseudo.path->empty()) {
    return malformed("no :scheme or :path");
  }
  if (pseudo.authority && (pseudo.authority->empty() || hasUserinfo(*pseudo.authority) ||
                           hasSpace(*pseudo.authority))) {
    return malformed("an empty :authority, or one with userinfo or white space");
  }
  if (pseudo.path && hasSpace(*pseudo.path)) {
    return malformed("white space in :path");
  }
  if (pseudo.authority && regular.host && !iequals(*pseudo.authority, *regular.host)) {
    return malformed("a host field that disagrees with :authority");
  }
  if (endStream && regular.contentLength.value_or(0) > 0) {
    return malformed("a content-length promised to a stream without body");
  }
  if (pseudo.protocol && *pseudo.protocol != "websocket") {
    return failure(H2RequestStatus::UnsupportedProtocol, "a :protocol other than websocket");
  }

  H2Request request;
  request.websocket = pseudo.protocol.has_value();
  request.hasBody = !endStream;
  out.append(request.websocket ? std::string_view("GET") : *pseudo.method);
  out.push_back(' ');
  out.append(plainConnect ? *pseudo.authority : *pseudo.path);
  out.append(" HTTP/1.1\r\n");
  if (pseudo.authority || regular.host) {
    appendField(out, "host", pseudo.authority ? *pseudo.authority : *regular.host);
  }
  if (request.websocket) {
    appendField(out, "upgrade", "websocket");
    appendField(out, "connection", "upgrade");
    appendField(out, "sec-websocket-key", websocketKey);
  }
  appendRegularFields(fields, request.websocket, out);
  if (regular.contentLength) {
    out.append("content-length: ");
    out.append(std::to_string(*regular.contentLength));
    out.append("\r\n");
  } else if (request.hasBody && !request.websocket && !plainConnect) {
    // The length is unknown until END_STREAM: the body goes as chunks.
    appendField(out, "transfer-encoding", "chunked");
    request.chunked = true;
  }
  out.append("\r\n");
  return request;
}

}  // namespace httpgate::http
