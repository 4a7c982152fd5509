#include "common/http/head_parser.h"

#include <algorithm>
#include <cstring>

#include "common/http/chars.h"
#include "common/http/head_fields.h"

namespace httpgate::http {

namespace {

using detail::FieldSummary;
using detail::hasClass;
using detail::Line;
using detail::LineScan;

struct HeadError {
  int status = 0;  // 0: no error
  const char* reason = "";
};

bool failed(const HeadError& e) {
  return e.status != 0;
}

ParseResult fail(const HeadError& e) {
  return ParseResult::error(e.status, e.reason);
}

// Static storage for the path of an absolute-form target that has none.
constexpr std::string_view kRootPath = "/";

enum class VersionMatch : uint8_t { Http10, Http11, Other, Invalid };

// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3).
VersionMatch matchVersion(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !hasClass(v[5], detail::kDigit) ||
      v[6] != '.' || !hasClass(v[7], detail::kDigit)) {
    return VersionMatch::Invalid;
  }
  if (v[5] == '1' && v[7] == '1') {
    return VersionMatch::Http11;
  }
  if (v[5] == '1' && v[7] == '0') {
    return VersionMatch::Http10;
  }
  return VersionMatch::Other;
}

// The version `match` names, into `version`; false for one the gate does
// not speak (or a malformed one).
bool toVersion(VersionMatch match, Version& version) {
  switch (match) {
    case VersionMatch::Http11:
      version = Version::Http11;
      return true;
    case VersionMatch::Http10:
      version = Version::Http10;
      return true;
    case VersionMatch::Other:
    case VersionMatch::Invalid:
      break;
  }
  return false;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// The four request-target forms of RFC 9112 3.2. Fills head.path, and
// `authority` for absolute-form (whose authority replaces the Host value).
HeadError parseTarget(RequestHead& head, std::string_view& authority) {
  const std::string_view t = head.target;
  if (detail::skipClass(t.data(), t.data() + t.size(), detail::kTarget) != t.data() + t.size()) {
    return {400, "invalid character in request-target"};
  }
  if (t[0] == '/') {
    if (head.isConnect) {
      return {400, "CONNECT without authority-form target"};
    }
    head.path = t;
    return {};
  }
  if (t == "*") {
    if (head.method != "OPTIONS") {
      return {400, "asterisk-form target without OPTIONS"};
    }
    head.path = t;
    return {};
  }
  if (head.isConnect) {
    if (!detail::isValidAuthority(t, true)) {
      return {400, "invalid CONNECT target"};
    }
    return {};
  }
  const size_t schemeLength =
      startsWithNoCase(t, "http://") ? 7 : (startsWithNoCase(t, "https://") ? 8 : 0);
  if (schemeLength == 0) {
    return {400, "invalid request-target"};
  }
  size_t pathStart = t.find_first_of("/?", schemeLength);
  if (pathStart == std::string_view::npos) {
    pathStart = t.size();
  }
  authority = t.substr(schemeLength, pathStart - schemeLength);
  if (authority.find('@') != std::string_view::npos) {
    return {400, "userinfo in request-target"};  // RFC 9110 4.2.4
  }
  if (authority.empty() || !detail::isValidAuthority(authority, false)) {
    return {400, "invalid authority in request-target"};
  }
  if (pathStart == t.size()) {
    head.path = kRootPath;
  } else if (t[pathStart] == '?') {
    // path is a view and cannot become "/?query"; no client sends this.
    return {400, "absolute-form target with a query but no path"};
  } else {
    head.path = t.substr(pathStart);
  }
  return {};
}

// request-line = method SP request-target SP HTTP-version, single spaces.
HeadError parseRequestLine(std::string_view line, RequestHead& head, std::string_view& authority) {
  if (line.find('\r') != std::string_view::npos) {
    return {400, "bare CR"};
  }
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    return {400, "malformed request line"};
  }
  head.method = line.substr(0, sp1);
  if (!isToken(head.method)) {
    return {400, "method is not a token"};
  }
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return {400, "malformed request line"};
  }
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const VersionMatch version = matchVersion(line.substr(sp2 + 1));
  if (version == VersionMatch::Other) {
    return {505, "unsupported HTTP version"};
  }
  if (!toVersion(version, head.version)) {
    return {400, "malformed HTTP version"};
  }
  head.isHead = head.method == "HEAD";
  head.isConnect = head.method == "CONNECT";
  return parseTarget(head, authority);
}

// The request line has no LF yet: 414 once it is longer than
// maxRequestLine or fills maxHeadBytes, 400 as soon as its first bytes
// cannot start a request (a TLS handshake on a plain port), else wait.
ParseResult unfinishedRequestLine(const char* p, const char* limit, std::string_view in,
                                  const HeadLimits& limits) {
  size_t length = static_cast<size_t>(limit - p);
  if (length > 0 && limit[-1] == '\r') {
    --length;  // the CR of a CRLF whose LF is on its way
  }
  if (length > limits.maxRequestLine) {
    return ParseResult::error(414, "request line too long");
  }
  const char* methodEnd = detail::skipClass(p, p + length, detail::kToken);
  if (methodEnd != p + length && (methodEnd == p || *methodEnd != ' ')) {
    return ParseResult::error(400, "method is not a token");
  }
  if (in.size() >= limits.maxHeadBytes) {
    // The head limit is reached inside the request line: the URI is what is
    // too long.
    return ParseResult::error(414, "request line too long");
  }
  return ParseResult::needMore();
}

// Checks the fields against each other and the version, and sets framing.
HeadError finishRequest(RequestHead& head, const FieldSummary& s, std::string_view authority) {
  const bool http11 = head.version == Version::Http11;
  if (s.hostCount > 1) {
    return {400, "duplicate Host"};
  }
  if (s.hostCount == 0 && http11) {
    return {400, "missing Host"};
  }
  if (!detail::isValidAuthority(s.host, false)) {
    return {400, "invalid Host"};
  }
  head.host = authority.empty() ? s.host : authority;
  if (s.transferCodings > 0) {
    // RFC 9112 6.1 and 6.3: framing a request any other way invites smuggling.
    if (!http11) {
      return {400, "Transfer-Encoding on HTTP/1.0"};
    }
    if (s.hasContentLength) {
      return {400, "Content-Length with Transfer-Encoding"};
    }
    if (!s.lastCodingChunked) {
      return {400, "Transfer-Encoding does not end in chunked"};
    }
    if (s.transferCodings > 1) {
      return {501, "unsupported transfer coding"};
    }
    head.body = BodyKind::Chunked;
  } else if (s.hasContentLength) {
    head.body = BodyKind::Length;
    head.contentLength = s.contentLength;
  }
  head.keepAlive = http11 ? !s.close : (s.keepAlive && !s.close);
  // RFC 9110 7.8 and 10.1.1: Upgrade and 100-continue mean nothing in HTTP/1.0.
  head.upgrade = http11 && s.connectionUpgrade && s.hasUpgrade;
  head.expectContinue = http11 && s.expectContinue;
  return {};
}

// Where a head is parsed from and what its errors are answered with.
struct HeadInput {
  const char* begin;  // start of the input
  const char* limit;  // end of the input, or of the first maxHeadBytes of it
  size_t size;        // the whole input's size
  const HeadLimits& limits;
  int badStatus;       // for an invalid head: 400 or 502
  int tooLargeStatus;  // for a head over the limits: 431 or 502
};

// Parses the field lines from `p` up to and including the empty line.
// Returns Done with the length of the whole head.
ParseResult parseFields(const HeadInput& in, const char* p, std::vector<HeaderField>& headers,
                        FieldSummary& summary) {
  for (;;) {
    HeaderField field;
    const detail::FieldLine line = detail::scanFieldLine(p, in.limit, field);
    switch (line.scan) {
      case detail::FieldScan::Incomplete:
        return in.size >= in.limits.maxHeadBytes
                   ? ParseResult::error(in.tooLargeStatus, "head too large")
                   : ParseResult::needMore();
      case detail::FieldScan::Invalid:
        return ParseResult::error(in.badStatus, line.reason);
      case detail::FieldScan::EndOfHead:
        return ParseResult::done(static_cast<size_t>(line.next - in.begin));
      case detail::FieldScan::Ok:
        break;
    }
    if (headers.size() >= in.limits.maxFields) {
      return ParseResult::error(in.tooLargeStatus, "too many header fields");
    }
    if (const char* why = detail::noteField(summary, field)) {
      return ParseResult::error(in.badStatus, why);
    }
    headers.push_back(field);
    p = line.next;
  }
}

// status-line = HTTP-version SP 3DIGIT SP [reason-phrase]; the SP after the
// code may be missing when the reason is.
bool parseStatusLine(std::string_view line, ResponseHead& head) {
  if (line.size() < 12 || line[8] != ' ') {
    return false;
  }
  if (!toVersion(matchVersion(line.substr(0, 8)), head.version)) {
    return false;
  }
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (!hasClass(line[i], detail::kDigit)) {
      return false;
    }
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) {
    return false;
  }
  head.status = status;
  if (line.size() == 12) {
    return true;
  }
  if (line[12] != ' ') {
    return false;
  }
  head.reason = line.substr(13);
  const char* end = head.reason.data() + head.reason.size();
  return detail::skipFieldValue(head.reason.data(), end) == end;
}

HeadError finishResponse(ResponseHead& head, const FieldSummary& s, bool requestWasHead) {
  const bool http11 = head.version == Version::Http11;
  if (s.transferCodings > 0) {
    if (!http11) {
      return {502, "Transfer-Encoding on HTTP/1.0"};
    }
    if (s.hasContentLength) {
      return {502, "Content-Length with Transfer-Encoding"};
    }
    if (s.chunkedCount > 1) {
      return {502, "chunked applied more than once"};
    }
  }
  const int status = head.status;
  if (requestWasHead || status < 200 || status == 204 || status == 304) {
    head.body = BodyKind::None;
  } else if (s.transferCodings > 0) {
    // RFC 9112 6.3: a final coding other than chunked runs until close.
    head.body = s.lastCodingChunked ? BodyKind::Chunked : BodyKind::UntilClose;
  } else if (s.hasContentLength) {
    head.body = BodyKind::Length;
    head.contentLength = s.contentLength;
  } else {
    head.body = BodyKind::UntilClose;
  }
  head.keepAlive =
      (http11 ? !s.close : (s.keepAlive && !s.close)) && head.body != BodyKind::UntilClose;
  return {};
}

// The fields after the first line, then `finish` with what they said (the
// body framing and the checks that need all of them).
template <typename Finish>
ParseResult parseFieldsThen(const HeadInput& input, const char* at,
                            std::vector<HeaderField>& headers, Finish finish) {
  FieldSummary summary;
  ParseResult r = parseFields(input, at, headers, summary);
  if (r.status != ParseStatus::Done) {
    return r;
  }
  if (HeadError e = finish(summary); failed(e)) {
    return fail(e);
  }
  return r;
}

}  // namespace

ParseResult parseRequestHead(std::string_view in, RequestHead& head, const HeadLimits& limits) {
  head.clear();
  const char* begin = in.data();
  const char* limit = begin + std::min(in.size(), limits.maxHeadBytes);
  const char* p = begin;
  Line line;
  bool skippedEmptyLine = false;
  for (;;) {
    switch (detail::findLine(p, limit, line)) {
      case LineScan::Incomplete:
        return unfinishedRequestLine(p, limit, in, limits);
      case LineScan::BareLf:
        return ParseResult::error(400, "bare LF");
      case LineScan::Ok:
        break;
    }
    if (line.end != p) {
      break;
    }
    // RFC 9112 2.2: one CRLF before the request line may be ignored.
    if (skippedEmptyLine) {
      return ParseResult::error(400, "empty lines before request line");
    }
    skippedEmptyLine = true;
    p = line.next;
  }
  if (static_cast<size_t>(line.end - p) > limits.maxRequestLine) {
    return ParseResult::error(414, "request line too long");
  }
  std::string_view authority;
  const std::string_view requestLine(p, static_cast<size_t>(line.end - p));
  if (HeadError e = parseRequestLine(requestLine, head, authority); failed(e)) {
    return fail(e);
  }
  const HeadInput input{begin, limit, in.size(), limits, 400, 431};
  return parseFieldsThen(input, line.next, head.headers, [&](const FieldSummary& summary) {
    return finishRequest(head, summary, authority);
  });
}

ParseResult parseResponseHead(std::string_view in, ResponseHead& head, bool requestWasHead,
                              const HeadLimits& limits) {
  head.clear();
  const char* begin = in.data();
  const char* limit = begin + std::min(in.size(), limits.maxHeadBytes);
  Line line;
  switch (detail::findLine(begin, limit, line)) {
    case LineScan::Incomplete: {
      // Fail early on a backend that does not speak HTTP/1.x at all.
      const size_t n = std::min<size_t>(static_cast<size_t>(limit - begin), 5);
      if (std::string_view(begin, n) != std::string_view("HTTP/", n)) {
        return ParseResult::error(502, "not an HTTP response");
      }
      return in.size() >= limits.maxHeadBytes ? ParseResult::error(502, "response head too large")
                                              : ParseResult::needMore();
    }
    case LineScan::BareLf:
      return ParseResult::error(502, "bare LF");
    case LineScan::Ok:
      break;
  }
  if (!parseStatusLine(std::string_view(begin, static_cast<size_t>(line.end - begin)), head)) {
    return ParseResult::error(502, "malformed status line");
  }
  const HeadInput input{begin, limit, in.size(), limits, 502, 502};
  return parseFieldsThen(input, line.next, head.headers, [&](const FieldSummary& summary) {
    return finishResponse(head, summary, requestWasHead);
  });
}

}  // namespace httpgate::http
