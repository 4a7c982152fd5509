#include "common/http/head_fields.h"

#include <cstring>
#include <limits>

#include "common/http/chars.h"

namespace httpgate::http::detail {

namespace {

// Content-Length values above this are refused: they do not fit an off_t and
// no real body is that large.
constexpr uint64_t kMaxContentLength = std::numeric_limits<int64_t>::max();

// Calls `each(element)` for every comma-separated element of `value`, OWS
// trimmed, empty ones included; stops early and returns the reason when
// `each` returns one.
template <typename Each>
const char* forEachElement(std::string_view value, Each each) {
  size_t pos = 0;
  for (;;) {
    size_t comma = value.find(',', pos);
    const bool last = comma == std::string_view::npos;
    if (last) {
      comma = value.size();
    }
    if (const char* why = each(trimOws(value.substr(pos, comma - pos)))) {
      return why;
    }
    if (last) {
      return nullptr;
    }
    pos = comma + 1;
  }
}

// Content-Length = 1*DIGIT, or a list of equal values ("5, 5") as sent by
// some intermediaries (RFC 9110 8.6). Every value, over all field lines, must
// be the same.
const char* noteContentLength(FieldSummary& s, std::string_view value) {
  return forEachElement(value, [&s](std::string_view element) -> const char* {
    if (element.empty()) {
      return "empty Content-Length";
    }
    auto length = parseDecimal(element);
    if (!length) {
      return element.find_first_not_of("0123456789") == std::string_view::npos
                 ? "Content-Length too large"
                 : "Content-Length is not a number";
    }
    if (*length > kMaxContentLength) {
      return "Content-Length too large";
    }
    if (s.hasContentLength && s.contentLength != *length) {
      return "differing Content-Length values";
    }
    s.hasContentLength = true;
    s.contentLength = *length;
    return nullptr;
  });
}

// transfer-coding = token *( OWS ";" OWS transfer-parameter ). Codings of all
// Transfer-Encoding lines form one list; the parsers decide from the count
// and the last one whether they can frame the body.
const char* noteTransferEncoding(FieldSummary& s, std::string_view value) {
  return forEachElement(value, [&s](std::string_view element) -> const char* {
    if (element.empty()) {
      return "empty Transfer-Encoding element";
    }
    const size_t semi = element.find(';');
    const std::string_view name = trimOws(element.substr(0, semi));
    if (!isToken(name)) {
      return "invalid Transfer-Encoding";
    }
    // "chunked" has no parameters; with some it is a coding we do not know.
    const bool chunked = semi == std::string_view::npos && equalsLower(name, "chunked");
    ++s.transferCodings;
    s.chunkedCount += chunked ? 1 : 0;
    s.lastCodingChunked = chunked;
    return nullptr;
  });
}

void noteConnection(FieldSummary& s, std::string_view value) {
  forEachElement(value, [&s](std::string_view option) -> const char* {
    if (equalsLower(option, "close")) {
      s.close = true;
    } else if (equalsLower(option, "keep-alive")) {
      s.keepAlive = true;
    } else if (equalsLower(option, "upgrade")) {
      s.connectionUpgrade = true;
    }
    return nullptr;
  });
}

FieldLine invalid(const char* reason) {
  return FieldLine{FieldScan::Invalid, nullptr, reason};
}

// reg-name = *( unreserved / pct-encoded / sub-delims )
bool isRegName(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !hasClass(s[i + 1], kHex) || !hasClass(s[i + 2], kHex)) {
        return false;
      }
      i += 2;
    } else if (!hasClass(s[i], kRegName)) {
      return false;
    }
  }
  return true;
}

// IP-literal without its brackets: IPv6address or IPvFuture. Checked for its
// alphabet only; the gate never connects to it.
bool isIpLiteralBody(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c != ':' && !hasClass(c, kRegName)) {
      return false;
    }
  }
  return true;
}

}  // namespace

LineScan findLine(const char* p, const char* limit, Line& line) {
  if (p == limit) {
    return LineScan::Incomplete;  // and memchr must not see a null pointer
  }
  const void* found = std::memchr(p, '\n', static_cast<size_t>(limit - p));
  if (found == nullptr) {
    return LineScan::Incomplete;
  }
  const char* lf = static_cast<const char*>(found);
  if (lf == p || lf[-1] != '\r') {
    return LineScan::BareLf;
  }
  line.end = lf - 1;
  line.next = lf + 1;
  return LineScan::Ok;
}

FieldLine scanFieldLine(const char* p, const char* limit, HeaderField& field) {
  constexpr FieldLine kIncomplete{FieldScan::Incomplete, nullptr, ""};
  if (p == limit) {
    return kIncomplete;
  }
  if (*p == '\r') {
    if (limit - p < 2) {
      return kIncomplete;
    }
    return p[1] == '\n' ? FieldLine{FieldScan::EndOfHead, p + 2, ""} : invalid("bare CR");
  }
  if (*p == '\n') {
    return invalid("bare LF");
  }
  if (isOws(*p)) {
    return invalid("obs-fold");
  }
  const char* q = skipClass(p, limit, kToken);
  if (q == limit) {
    return kIncomplete;
  }
  if (*q != ':') {
    if (isOws(*q)) {
      return invalid("whitespace before colon");
    }
    if (*q == '\r' || *q == '\n') {
      return invalid("field line without colon");
    }
    return invalid(*q == '\0' ? "NUL in field name" : "invalid character in field name");
  }
  if (q == p) {
    return invalid("empty field name");
  }
  field.name = std::string_view(p, static_cast<size_t>(q - p));
  ++q;
  while (q < limit && isOws(*q)) {
    ++q;
  }
  const char* valueStart = q;
  q = skipFieldValue(q, limit);
  if (q == limit) {
    return kIncomplete;
  }
  if (*q != '\r') {
    if (*q == '\n') {
      return invalid("bare LF");
    }
    return invalid(*q == '\0' ? "NUL in field value" : "control character in field value");
  }
  if (q + 1 == limit) {
    return kIncomplete;
  }
  if (q[1] != '\n') {
    return invalid("bare CR");
  }
  const char* valueEnd = q;
  while (valueEnd > valueStart && isOws(valueEnd[-1])) {
    --valueEnd;
  }
  field.value = std::string_view(valueStart, static_cast<size_t>(valueEnd - valueStart));
  return FieldLine{FieldScan::Ok, q + 2, ""};
}

const char* noteField(FieldSummary& s, const HeaderField& field) {
  const std::string_view name = field.name;
  // Dispatch on the length first: most fields are none of these.
  switch (name.size()) {
    case 4:
      if (equalsLower(name, "host")) {
        if (s.hostCount++ == 0) {
          s.host = field.value;
        }
      }
      return nullptr;
    case 6:
      if (equalsLower(name, "expect") && listContains(field.value, "100-continue")) {
        s.expectContinue = true;
      }
      return nullptr;
    case 7:
      if (equalsLower(name, "upgrade") && !field.value.empty()) {
        s.hasUpgrade = true;
      }
      return nullptr;
    case 10:
      if (equalsLower(name, "connection")) {
        noteConnection(s, field.value);
      }
      return nullptr;
    case 14:
      return equalsLower(name, "content-length") ? noteContentLength(s, field.value) : nullptr;
    case 17:
      return equalsLower(name, "transfer-encoding") ? noteTransferEncoding(s, field.value)
                                                    : nullptr;
    default:
      return nullptr;
  }
}

bool isValidAuthority(std::string_view value, bool requirePort) {
  std::string_view host = value;
  std::string_view port;
  bool hasPort = false;
  if (!value.empty() && value[0] == '[') {
    const size_t close = value.find(']');
    if (close == std::string_view::npos || !isIpLiteralBody(value.substr(1, close - 1))) {
      return false;
    }
    host = value.substr(0, close + 1);
    if (close + 1 < value.size()) {
      if (value[close + 1] != ':') {
        return false;
      }
      hasPort = true;
      port = value.substr(close + 2);
    }
  } else {
    const size_t colon = value.find(':');
    if (colon != std::string_view::npos) {
      hasPort = true;
      host = value.substr(0, colon);
      port = value.substr(colon + 1);
    }
    if (!isRegName(host)) {
      return false;
    }
  }
  for (char c : port) {
    if (!hasClass(c, kDigit)) {
      return false;
    }
  }
  if (requirePort) {
    return !host.empty() && hasPort && !port.empty();
  }
  // An empty host with a port (":80") names nothing.
  return !(host.empty() && hasPort);
}

}  // namespace httpgate::http::detail
