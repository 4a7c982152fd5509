#include "appserver/src/http_values.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/http/chars.h"
#include "common/http/picolisp_fields.h"

namespace httpgate::appserver::detail {
namespace {

std::string_view unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// The value of parameter `name` in a header value such as
// `form-data; name="a"; filename="b.txt"` (quoted strings may hold ';').
std::optional<std::string> headerParameter(std::string_view value, std::string_view name) {
  size_t at = value.find(';');
  while (at != std::string_view::npos) {
    value.remove_prefix(at + 1);
    size_t eq = value.find('=');
    if (eq == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view key = http::trimOws(value.substr(0, eq));
    std::string_view rest = value.substr(eq + 1);
    while (!rest.empty() && http::isOws(rest.front())) {
      rest.remove_prefix(1);
    }
    std::string parsed;
    size_t end = 0;
    if (!rest.empty() && rest.front() == '"') {
      // A quoted string: backslash escapes one character.
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
          ++i;
        }
        parsed.push_back(rest[i]);
      }
      end = i + 1 < rest.size() ? i + 1 : rest.size();
    } else {
      end = rest.find(';');
      if (end == std::string_view::npos) {
        end = rest.size();
      }
      parsed = std::string(http::trimOws(rest.substr(0, end)));
    }
    if (http::iequals(key, name)) {
      return parsed;
    }
    value = rest.substr(end);
    at = value.find(';');
  }
  return std::nullopt;
}

std::string_view firstListItem(std::string_view value) {
  return http::trimOws(value.substr(0, value.find(',')));
}

}  // namespace

std::string percentDecode(std::string_view text, bool plusIsSpace) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = http::hexValue(text[i + 1]);
      int low = http::hexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plusIsSpace && c == '+' ? ' ' : c);
  }
  return out;
}

Pairs parseUrlEncoded(std::string_view text) {
  Pairs pairs;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (piece.empty()) {
      continue;
    }
    size_t eq = piece.find('=');
    std::string_view name = piece.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    pairs.emplace_back(percentDecode(name, true), percentDecode(value, true));
  }
  return pairs;
}

Pairs parseCookies(std::string_view header) {
  Pairs pairs;
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view piece = http::trimOws(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      continue;
    }
    pairs.emplace_back(std::string(http::trimOws(piece.substr(0, eq))),
                       std::string(unquote(http::trimOws(piece.substr(eq + 1)))));
  }
  return pairs;
}

std::optional<std::string> multipartBoundary(std::string_view contentType) {
  std::string_view type = http::trimOws(contentType.substr(0, contentType.find(';')));
  if (!http::iequals(type, "multipart/form-data")) {
    return std::nullopt;
  }
  std::optional<std::string> boundary = headerParameter(contentType, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return std::nullopt;  // RFC 2046: 1 to 70 characters
  }
  return boundary;
}

bool parseMultipart(std::string_view body, std::string_view boundary, Pairs& fields,
                    std::vector<Upload>& uploads, std::string& error) {
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter may follow a preamble; later ones follow a CRLF.
  size_t at = body.find(delimiter);
  if (at == std::string_view::npos || (at != 0 && (at < 2 || body.substr(at - 2, 2) != "\r\n"))) {
    error = "no opening boundary";
    return false;
  }
  const std::string next = "\r\n" + delimiter;
  size_t pos = at + delimiter.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") {
      return true;  // the closing delimiter; an epilogue is ignored
    }
    // Transport padding, then the CRLF that ends the delimiter line.
    while (pos < body.size() && http::isOws(body[pos])) {
      ++pos;
    }
    if (body.substr(pos, 2) != "\r\n") {
      error = "malformed boundary line";
      return false;
    }
    pos += 2;
    size_t headEnd = body.find("\r\n\r\n", pos);
    size_t partEnd = body.find(next, pos);
    if (partEnd == std::string_view::npos) {
      error = "no closing boundary";
      return false;
    }
    std::string_view head;
    std::string_view content;
    if (body.substr(pos, 2) == "\r\n") {
      content = body.substr(pos + 2, partEnd >= pos + 2 ? partEnd - pos - 2 : 0);  // no headers
    } else {
      if (headEnd == std::string_view::npos || headEnd > partEnd) {
        error = "a part without the end of its headers";
        return false;
      }
      head = body.substr(pos, headEnd + 2 - pos);
      // "...CRLF CRLF--boundary": the second CRLF is the delimiter's, and
      // the part has headers but no content (RFC 2046 5.1.1).
      if (headEnd + 4 <= partEnd) {
        content = body.substr(headEnd + 4, partEnd - headEnd - 4);
      }
    }
    std::optional<std::string> name;
    std::optional<std::string> filename;
    std::string contentType;
    while (!head.empty()) {
      size_t eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        continue;
      }
      std::string_view fieldName = http::trimOws(line.substr(0, colon));
      std::string_view value = http::trimOws(line.substr(colon + 1));
      if (http::iequals(fieldName, "Content-Disposition")) {
        name = headerParameter(value, "name");
        filename = headerParameter(value, "filename");
      } else if (http::iequals(fieldName, "Content-Type")) {
        contentType = std::string(value);
      }
    }
    if (!name) {
      error = "a part without a Content-Disposition name";
      return false;
    }
    if (filename) {
      uploads.push_back({*name, *filename, contentType, std::string(content)});
    } else {
      fields.emplace_back(*name, std::string(content));
    }
    pos = partEnd + next.size();
  }
}

std::string newSessionId() {
  unsigned char bytes[16];
  size_t filled = 0;
  while (filled < sizeof bytes) {
    ssize_t n = getrandom(bytes + filled, sizeof bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    }
    filled += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char byte : bytes) {
    id.push_back(kHex[byte >> 4]);
    id.push_back(kHex[byte & 15]);
  }
  return id;
}

std::optional<SessionPath> splitSessionPath(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return std::nullopt;
  }
  std::string_view afterSlash = path.substr(1);
  size_t tilde = afterSlash.find('~');
  size_t segmentEnd = afterSlash.find_first_of("/?");
  if (tilde == std::string_view::npos || tilde > segmentEnd) {
    return std::nullopt;
  }
  SessionPath result;
  result.id = afterSlash.substr(0, tilde);
  std::string_view rest = afterSlash.substr(tilde + 1);
  // "/<id>~" and "/<id>~?q" are the session's root.
  if (rest.empty() || rest.front() != '/') {
    result.rest = "/";
  }
  result.rest.append(rest);
  return result;
}

bool sameSessionId(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Arrival arrivalOf(const Pairs& headers, std::string_view peer) {
  Arrival arrival;
  arrival.clientAddress = std::string(peer);
  http::PilFields pil;
  std::optional<std::string_view> forwardedProto;
  std::optional<std::string_view> forwardedFor;
  std::optional<std::string_view> forwardedHost;
  for (const auto& [name, value] : headers) {
    if (http::isPilField(name)) {
      http::readPilField(value, pil);
    } else if (http::iequals(name, "X-Forwarded-Proto") && !forwardedProto) {
      forwardedProto = firstListItem(value);
    } else if (http::iequals(name, "X-Forwarded-For") && !forwardedFor) {
      forwardedFor = firstListItem(value);
    } else if (http::iequals(name, "X-Forwarded-Host") && !forwardedHost) {
      forwardedHost = firstListItem(value);
    } else if (http::iequals(name, "Host") && arrival.host.empty()) {
      arrival.host = std::string(http::trimOws(value));
    }
  }
  arrival.behindGate = pil.gate.has_value() || forwardedProto.has_value();
  if (!arrival.behindGate) {
    return arrival;
  }
  std::string_view scheme = pil.gate ? *pil.gate : *forwardedProto;
  arrival.scheme = scheme == "https" ? "https" : "http";
  if (forwardedHost && !forwardedHost->empty()) {
    arrival.host = std::string(*forwardedHost);
  }
  if (pil.address && !pil.address->empty()) {
    arrival.clientAddress = std::string(*pil.address);
  } else if (forwardedFor && !forwardedFor->empty()) {
    arrival.clientAddress = std::string(*forwardedFor);
  }
  return arrival;
}

std::string sessionBaseUrl(const Arrival& arrival, uint16_t port, std::string_view sessionId) {
  std::string host = arrival.host.empty() ? std::string("localhost") : arrival.host;
  std::string url;
  if (arrival.behindGate) {
    url = arrival.scheme + "://" + host + "/" + std::to_string(port) + "/";
  } else {
    // The Host's own port is the parent's: the session has its own.
    size_t colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
      host.resize(colon);
    }
    url = "http://" + host + ":" + std::to_string(port) + "/";
  }
  url.append(sessionId).append("~/");
  return url;
}

}  // namespace httpgate::appserver::detail
