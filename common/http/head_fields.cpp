#include "common/http/head_fields.h"

#include <cstring>
#include <limits>

#include "common/http/chars.h"

namespace httpgate::http::detail {

namespace {

// Content-Length values above this are refused: they do not fit an off_t and
// no real body is that large.
constexpr uint64_t kMaxContentLength = std::numeric_limits<int64_t>::max();

std::string_view trimOws(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && isOws(s[b])) {
    ++b;
  }
  while (e > b && isOws(s[e - 1])) {
    --e;
  }
  return s.substr(b, e - b);
}

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
    const bool chunked = semi == std::string_view::npos && iequals(name, "chunked");
    ++s.transferCodings;
    s.chunkedCount += chunked ? 1 : 0;
    s.lastCodingChunked = chunked;
    return nullptr;
  });
}

void noteConnection(FieldSummary& s, std::string_view value) {
  forEachElement(value, [&s](std::string_view option) -> const char* {
    if (iequals(option, "close")) {
      s.close = true;
    } else if (iequals(option, "keep-alive")) {
      s.keepAlive = true;
    } else if (iequals(option, "upgrade")) {
      s.connectionUpgrade = true;
    }
    return nullptr;
  });
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

const char* parseFieldLine(const char* p, const char* end, HeaderField& field) {
  if (isOws(*p)) {
    return "obs-fold";
  }
  const char* q = skipClass(p, end, kToken);
  if (q == end) {
    return "field line without colon";
  }
  if (*q != ':') {
    if (isOws(*q)) {
      return "whitespace before colon";
    }
    if (*q == '\r') {
      return "bare CR";
    }
    return *q == '\0' ? "NUL in field name" : "invalid character in field name";
  }
  if (q == p) {
    return "empty field name";
  }
  field.name = std::string_view(p, static_cast<size_t>(q - p));
  ++q;
  while (q < end && isOws(*q)) {
    ++q;
  }
  const char* valueStart = q;
  q = skipClass(q, end, kFieldValue);
  if (q != end) {
    if (*q == '\r') {
      return "bare CR";
    }
    return *q == '\0' ? "NUL in field value" : "control character in field value";
  }
  const char* valueEnd = end;
  while (valueEnd > valueStart && isOws(valueEnd[-1])) {
    --valueEnd;
  }
  field.value = std::string_view(valueStart, static_cast<size_t>(valueEnd - valueStart));
  return nullptr;
}

const char* noteField(FieldSummary& s, const HeaderField& field) {
  const std::string_view name = field.name;
  // Dispatch on the length first: most fields are none of these.
  switch (name.size()) {
    case 4:
      if (iequals(name, "host")) {
        if (s.hostCount++ == 0) {
          s.host = field.value;
        }
      }
      return nullptr;
    case 6:
      if (iequals(name, "expect") && listContains(field.value, "100-continue")) {
        s.expectContinue = true;
      }
      return nullptr;
    case 7:
      if (iequals(name, "upgrade") && !field.value.empty()) {
        s.hasUpgrade = true;
      }
      return nullptr;
    case 10:
      if (iequals(name, "connection")) {
        noteConnection(s, field.value);
      }
      return nullptr;
    case 14:
      return iequals(name, "content-length") ? noteContentLength(s, field.value) : nullptr;
    case 17:
      return iequals(name, "transfer-encoding") ? noteTransferEncoding(s, field.value) : nullptr;
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
