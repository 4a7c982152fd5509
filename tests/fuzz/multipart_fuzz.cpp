// Fuzz target for the app-server library's multipart/form-data parser and
// the boundary parameter of its Content-Type. The input's first line is the
// Content-Type value, the rest the body; a Content-Type that gives no
// boundary (or could not be a header value) leaves the body parsed with the
// boundary "b". Beyond "no crash" it checks:
//  - a boundary has 1 to 70 characters, and only multipart/form-data has one;
//  - a part's content is a piece of the body that the delimiter ends: the
//    delimiter (CRLF "--" boundary) is nowhere in CRLF + content, and there
//    are no more parts than delimiters;
//  - what the parser returns, written again as a canonical body, parses
//    back to the same fields and uploads; a refused body says why.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "appserver/src/http_values.h"
#include "common/http/chars.h"
#include "tests/fuzz/fuzz_support.h"

namespace httpgate::appserver::detail {
namespace {

bool sameUploads(const std::vector<Upload>& a, const std::vector<Upload>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Upload& x, const Upload& y) {
    return x.field == y.field && x.filename == y.filename && x.contentType == y.contentType &&
           x.data == y.data;
  });
}

struct Parsed {
  bool ok = false;
  Pairs fields;
  std::vector<Upload> uploads;
  std::string error;
};

Parsed parse(std::string_view body, std::string_view boundary) {
  Parsed p;
  p.ok = parseMultipart(body, boundary, p.fields, p.uploads, p.error);
  return p;
}

bool same(const Parsed& a, const Parsed& b) {
  return a.ok == b.ok && a.fields == b.fields && sameUploads(a.uploads, b.uploads) &&
         a.error == b.error;
}

// A quoted-string as headerParameter() reads it: backslash before '"' and '\'.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string canonicalBody(const Parsed& p, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  std::string body;
  for (const auto& [name, value] : p.fields) {
    body += delimiter + "\r\nContent-Disposition: form-data; name=" + quoted(name) + "\r\n\r\n" +
            value + "\r\n";
  }
  for (const Upload& u : p.uploads) {
    body += delimiter + "\r\nContent-Disposition: form-data; name=" + quoted(u.field) +
            "; filename=" + quoted(u.filename) + "\r\n";
    if (!u.contentType.empty()) {
      body += "Content-Type: " + u.contentType + "\r\n";
    }
    body += "\r\n" + u.data + "\r\n";
  }
  return body + delimiter + "--\r\n";
}

void checkContent(std::string_view content, std::string_view body, std::string_view next) {
  FUZZ_CHECK(content.size() <= body.size());
  FUZZ_CHECK(("\r\n" + std::string(content)).find(next) == std::string::npos);
}

size_t occurrences(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

void checkBoundary(std::string_view contentType, const std::optional<std::string>& boundary) {
  if (!boundary) {
    return;
  }
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  std::string_view type = contentType.substr(0, contentType.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
    type.remove_prefix(1);
  }
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
    type.remove_suffix(1);
  }
  FUZZ_CHECK(http::iequals(type, "multipart/form-data"));
}

bool isFieldValue(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return http::isFieldValueChar(static_cast<unsigned char>(c)); });
}

}  // namespace
}  // namespace httpgate::appserver::detail

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::appserver::detail;
  using httpgate::appserver::Upload;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t newline = in.find('\n');
  const std::string_view contentType = in.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : in.substr(newline + 1);

  // The head parser lets no control character but HT into a header value.
  std::optional<std::string> boundary;
  if (isFieldValue(contentType)) {
    boundary = multipartBoundary(contentType);
    checkBoundary(contentType, boundary);
  }
  const std::string used = boundary.value_or("b");

  const Parsed parsed = parse(body, used);
  FUZZ_CHECK(same(parse(body, used), parsed));
  if (!parsed.ok) {
    FUZZ_CHECK(!parsed.error.empty());
    return 0;
  }
  const std::string next = "\r\n--" + used;
  for (const auto& field : parsed.fields) {
    checkContent(field.second, body, next);
  }
  for (const Upload& upload : parsed.uploads) {
    checkContent(upload.data, body, next);
  }
  FUZZ_CHECK(parsed.fields.size() + parsed.uploads.size() <= occurrences(body, "--" + used));

  const std::string canonical = canonicalBody(parsed, used);
  const Parsed again = parse(canonical, used);
  FUZZ_CHECK(again.ok && again.fields == parsed.fields &&
             sameUploads(again.uploads, parsed.uploads));
  return 0;
}
