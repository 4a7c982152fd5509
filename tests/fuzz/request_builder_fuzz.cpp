// Fuzz target for the app-server library's RequestBuilder: what a session
// makes of a request, with the form, multipart and Cookie parsers behind
// it. The input is a request head (parsed by the head parser, as the
// library does) and what follows it, taken as the decoded body. Beyond
// "no crash" it checks:
//  - path and query are the target, the parameters the query's pairs, then
//    the body's as its media type says, and the cookies those of every
//    Cookie field: the same as the parsers give on their own;
//  - a request from a peer that is not trusted never counts as arriving
//    through the gate, whatever X-Pil or X-Forwarded-* it carries;
//  - the result is deterministic.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appserver/src/http_values.h"
#include "appserver/src/request_builder.h"
#include "common/http/chars.h"
#include "common/http/head_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace httpgate::appserver {
namespace {

constexpr std::string_view kPeer = "203.0.113.9";

struct Built {
  bool ok = false;
  std::string error;
  Request request;
};

Built build(const http::RequestHead& head, std::string_view body, bool trust) {
  Built b;
  b.ok =
      RequestBuilder::build(head, head.path, std::string(body), kPeer, trust, b.request, b.error);
  return b;
}

bool sameUploads(const std::vector<Upload>& a, const std::vector<Upload>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].field != b[i].field || a[i].filename != b[i].filename ||
        a[i].contentType != b[i].contentType || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

bool same(const Built& a, const Built& b) {
  const Request& x = a.request;
  const Request& y = b.request;
  return a.ok == b.ok && a.error == b.error && x.method() == y.method() && x.path() == y.path() &&
         x.query() == y.query() && x.params() == y.params() &&
         sameUploads(x.uploads(), y.uploads()) && x.body() == y.body() &&
         x.clientAddress() == y.clientAddress() && x.behindGate() == y.behindGate() &&
         x.scheme() == y.scheme() && x.host() == y.host();
}

std::optional<std::string_view> firstField(const http::RequestHead& head, std::string_view name) {
  for (const http::HeaderField& f : head.headers) {
    if (http::iequals(f.name, name)) {
      return f.value;
    }
  }
  return std::nullopt;
}

// "Multipart/Form-Data; boundary=x" -> "multipart/form-data".
std::string mediaType(std::string_view contentType) {
  std::string type;
  for (char c : contentType.substr(0, contentType.find(';'))) {
    if (c != ' ' && c != '\t') {
      type += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
  }
  return type;
}

// What the parsers give on their own: the query's pairs, then the body's.
void checkParams(const http::RequestHead& head, std::string_view body, const Built& built) {
  const Request& r = built.request;
  detail::Pairs params = detail::parseUrlEncoded(r.query());
  std::vector<Upload> uploads;
  bool ok = true;
  const std::string_view contentType = firstField(head, "Content-Type").value_or("");
  const std::string type = mediaType(contentType);
  if (type == "application/x-www-form-urlencoded") {
    for (auto& pair : detail::parseUrlEncoded(body)) {
      params.push_back(std::move(pair));
    }
  } else if (type == "multipart/form-data") {
    const std::optional<std::string> boundary = detail::multipartBoundary(contentType);
    detail::Pairs fields;
    std::string error;
    ok = boundary && detail::parseMultipart(body, *boundary, fields, uploads, error);
    for (auto& pair : fields) {
      params.push_back(std::move(pair));
    }
  }
  FUZZ_CHECK(built.ok == ok);
  if (!ok) {
    FUZZ_CHECK(!built.error.empty());
    return;
  }
  FUZZ_CHECK(r.params() == params);
  FUZZ_CHECK(sameUploads(r.uploads(), uploads));
  for (const auto& [name, value] : params) {
    FUZZ_CHECK(r.param(name).has_value());
  }
}

void checkCookies(const http::RequestHead& head, const Request& r) {
  detail::Pairs cookies;
  for (const http::HeaderField& f : head.headers) {
    if (http::iequals(f.name, "Cookie")) {
      for (auto& pair : detail::parseCookies(f.value)) {
        cookies.push_back(std::move(pair));
      }
    }
  }
  for (const auto& [name, value] : cookies) {
    std::string_view first;
    for (const auto& other : cookies) {
      if (other.first == name) {
        first = other.second;
        break;
      }
    }
    FUZZ_CHECK(r.cookie(name) == first);
  }
}

}  // namespace
}  // namespace httpgate::appserver

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate;
  using namespace httpgate::appserver;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  http::RequestHead head;
  const http::ParseResult parsed = http::parseRequestHead(in, head, http::HeadLimits{});
  if (parsed.status != http::ParseStatus::Done) {
    return 0;
  }
  const std::string_view body = in.substr(parsed.consumed);
  for (bool trust : {true, false}) {
    const Built built = build(head, body, trust);
    FUZZ_CHECK(same(build(head, body, trust), built));
    const Request& r = built.request;
    if (!trust) {
      FUZZ_CHECK(!r.behindGate() && r.clientAddress() == kPeer && r.scheme() == "http");
    }
    checkParams(head, body, built);
    if (!built.ok) {
      continue;
    }
    FUZZ_CHECK(r.method() == head.method);
    const std::string target =
        std::string(r.path()) + (r.query().empty() && head.path.find('?') == std::string::npos
                                     ? ""
                                     : "?" + std::string(r.query()));
    FUZZ_CHECK(target == head.path);
    FUZZ_CHECK(r.path().find('?') == std::string_view::npos);
    FUZZ_CHECK(r.body() == body);
    FUZZ_CHECK(r.scheme() == "http" || r.scheme() == "https");
    for (const http::HeaderField& f : head.headers) {
      FUZZ_CHECK(r.header(f.name) == firstField(head, f.name));
    }
    checkCookies(head, r);
  }
  return 0;
}
