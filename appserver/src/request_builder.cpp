#include "appserver/src/request_builder.h"

#include "appserver/src/http_values.h"
#include "common/http/chars.h"
#include "common/http/header_rules.h"

namespace httpgate::appserver {
namespace {

std::optional<std::string_view> find(const detail::Pairs& pairs, std::string_view name,
                                     bool ignoreCase) {
  for (const auto& [key, value] : pairs) {
    if (ignoreCase ? http::iequals(key, name) : key == name) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

// The media type of a Content-Type value, without parameters, lowercase.
std::string mediaType(std::string_view contentType) {
  std::string out;
  for (char c : contentType.substr(0, contentType.find(';'))) {
    if (c != ' ' && c != '\t') {
      out += http::asciiLower(c);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  return find(headers_, name, true);
}

std::optional<std::string_view> Request::cookie(std::string_view name) const {
  return find(cookies_, name, false);
}

std::optional<std::string_view> Request::param(std::string_view name) const {
  return find(params_, name, false);
}

bool RequestBuilder::build(const http::RequestHead& head, std::string_view path, std::string body,
                           std::string_view peer, bool trustForwarding, Request& out,
                           std::string& error) {
  out = Request();
  out.method_ = std::string(head.method);
  size_t question = path.find('?');
  out.path_ = std::string(path.substr(0, question));
  if (question != std::string_view::npos) {
    out.query_ = std::string(path.substr(question + 1));
  }
  detail::Pairs trusted;
  for (const http::HeaderField& field : head.headers) {
    out.headers_.emplace_back(std::string(field.name), std::string(field.value));
    // The fields a client could forge to pretend it came through the gate
    // are the ones the gate never forwards from a client.
    if (trustForwarding || !http::isForwardingHeader(field.name)) {
      trusted.emplace_back(std::string(field.name), std::string(field.value));
    }
    if (http::iequals(field.name, "Cookie")) {
      for (auto& cookie : detail::parseCookies(field.value)) {
        out.cookies_.push_back(std::move(cookie));
      }
    }
  }
  detail::Arrival arrival = detail::arrivalOf(trusted, peer);
  out.clientAddress_ = std::move(arrival.clientAddress);
  out.behindGate_ = arrival.behindGate;
  out.scheme_ = std::move(arrival.scheme);
  out.host_ = std::move(arrival.host);

  out.params_ = detail::parseUrlEncoded(out.query_);
  std::string type = mediaType(out.header("Content-Type").value_or(""));
  if (type == "application/x-www-form-urlencoded") {
    for (auto& field : detail::parseUrlEncoded(body)) {
      out.params_.push_back(std::move(field));
    }
  } else if (type == "multipart/form-data") {
    std::optional<std::string> boundary =
        detail::multipartBoundary(out.header("Content-Type").value_or(""));
    if (!boundary) {
      error = "multipart/form-data without a boundary";
      return false;
    }
    detail::Pairs fields;
    if (!detail::parseMultipart(body, *boundary, fields, out.uploads_, error)) {
      return false;
    }
    for (auto& field : fields) {
      out.params_.push_back(std::move(field));
    }
  }
  out.body_ = std::move(body);
  return true;
}

}  // namespace httpgate::appserver
