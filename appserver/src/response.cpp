// Response's methods and its serialization. A handler's bad input (a header
// name that is not a token, CR or LF in a value, a cookie that would break
// the Set-Cookie syntax) throws std::invalid_argument: the request is then
// answered 500 and the reason is logged, rather than sending a response
// that splits or confuses the browser's parser.
#include <stdexcept>

#include "appserver/src/response_writer.h"
#include "common/http/chars.h"
#include "common/http/responses.h"

namespace httpgate::appserver {
namespace {

// RFC 6265 cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon or
// backslash.
bool isCookieValue(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\') {
      return false;
    }
  }
  return true;
}

// Whether the attribute list `attributes` ("Max-Age=60; Path=/x") names
// attribute `name`.
bool hasAttribute(std::string_view attributes, std::string_view name) {
  size_t at = 0;
  while (at <= attributes.size()) {
    size_t end = attributes.find(';', at);
    std::string_view piece = attributes.substr(at, end == std::string_view::npos ? end : end - at);
    while (!piece.empty() && piece.front() == ' ') {
      piece.remove_prefix(1);
    }
    std::string_view key = piece.substr(0, piece.find('='));
    while (!key.empty() && key.back() == ' ') {
      key.remove_suffix(1);
    }
    if (http::iequals(key, name)) {
      return true;
    }
    if (end == std::string_view::npos) {
      break;
    }
    at = end + 1;
  }
  return false;
}

void setContentType(std::vector<std::pair<std::string, std::string>>& headers,
                    std::string contentType) {
  for (auto& [name, value] : headers) {
    if (http::iequals(name, "Content-Type")) {
      value = std::move(contentType);
      return;
    }
  }
  headers.emplace_back("Content-Type", std::move(contentType));
}

bool hasBody(int status) {
  return status >= 200 && status != 204 && status != 304;
}

}  // namespace

void Response::header(std::string name, std::string value) {
  if (!http::isToken(name)) {
    throw std::invalid_argument("header name \"" + name + "\" is not a token");
  }
  if (value.find_first_of("\r\n", 0) != std::string::npos ||
      value.find('\0') != std::string::npos) {
    throw std::invalid_argument("header " + name + ": value contains CR, LF or NUL");
  }
  if (http::iequals(name, "Content-Length") || http::iequals(name, "Connection") ||
      http::iequals(name, "Transfer-Encoding")) {
    throw std::invalid_argument("header " + name + " is set by the library");
  }
  headers_.emplace_back(std::move(name), std::move(value));
}

void Response::cookie(std::string name, std::string value, std::string attributes) {
  if (!http::isToken(name)) {
    throw std::invalid_argument("cookie name \"" + name + "\" is not a token");
  }
  if (!isCookieValue(value)) {
    throw std::invalid_argument("cookie " + name +
                                ": value contains whitespace, '\"', ',', ';', '\\' or a control");
  }
  if (attributes.find_first_of("\r\n", 0) != std::string::npos) {
    throw std::invalid_argument("cookie " + name + ": attributes contain CR or LF");
  }
  std::string line = name + "=" + value;
  if (!attributes.empty()) {
    line += "; " + attributes;
  }
  if (!hasAttribute(attributes, "Path")) {
    line += "; Path=/";
  }
  if (!hasAttribute(attributes, "HttpOnly")) {
    line += "; HttpOnly";
  }
  if (!hasAttribute(attributes, "SameSite")) {
    line += "; SameSite=Lax";
  }
  headers_.emplace_back("Set-Cookie", std::move(line));
}

void Response::html(std::string text) {
  body(std::move(text), "text/html; charset=utf-8");
}

void Response::text(std::string text) {
  body(std::move(text), "text/plain; charset=utf-8");
}

void Response::body(std::string text, std::string contentType) {
  if (contentType.find_first_of("\r\n", 0) != std::string::npos) {
    throw std::invalid_argument("Content-Type contains CR or LF");
  }
  setContentType(headers_, std::move(contentType));
  body_ = std::move(text);
}

void Response::redirect(std::string location, int code) {
  if (code < 300 || code > 399) {
    throw std::invalid_argument("redirect status " + std::to_string(code) + " is not 3xx");
  }
  status_ = code;
  header("Location", std::move(location));
}

namespace detail {

void appendResponse(std::string& out, const Response& response, const WriteOptions& options) {
  int status = response.status();
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += http::reasonPhrase(status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers()) {
    out += name;
    out += ": ";
    out += value;
    if (options.secure && http::iequals(name, "Set-Cookie") && !hasAttribute(value, "Secure")) {
      out += "; Secure";
    }
    out += "\r\n";
  }
  bool body = hasBody(status);
  if (body) {
    out += "Content-Length: ";
    out += std::to_string(response.body().size());
    out += "\r\n";
  }
  if (options.close) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  if (body && !options.headOnly) {
    out += response.body();
  }
}

Response errorResponse(int status, std::string_view why) {
  Response response;
  response.status(status);
  std::string text(http::reasonPhrase(status));
  if (!why.empty()) {
    text += ": ";
    text += why;
  }
  response.text(text + "\n");
  return response;
}

}  // namespace detail
}  // namespace httpgate::appserver
