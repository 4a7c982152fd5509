#include "gate/admin/admin_request.h"

#include "common/http/chars.h"
#include "common/http/head_parser.h"
#include "common/http/message.h"
#include "common/http/responses.h"

namespace httpgate::gate {
namespace {

AdminRequest answer(int status, AdminPage page = AdminPage::None, bool headOnly = false) {
  AdminRequest request;
  request.complete = true;
  request.status = status;
  request.page = page;
  request.headOnly = headOnly;
  return request;
}

// The path without its query.
std::string_view pathOnly(std::string_view path) {
  const size_t query = path.find('?');
  return query == std::string_view::npos ? path : path.substr(0, query);
}

}  // namespace

AdminRequest classifyAdminRequest(std::string_view in) {
  http::HeadLimits limits;
  limits.maxHeadBytes = kMaxAdminRequest;
  limits.maxRequestLine = kMaxAdminRequest / 2;
  limits.maxFields = 64;
  http::RequestHead head;
  const http::ParseResult result = http::parseRequestHead(in, head, limits);
  switch (result.status) {
    case http::ParseStatus::NeedMore:
      // The parser reports a full buffer itself; this covers a caller that
      // hands over more than the limit in one piece.
      return in.size() >= kMaxAdminRequest ? answer(431) : AdminRequest{};
    case http::ParseStatus::Error:
      return answer(result.errorStatus);
    case http::ParseStatus::Done:
      break;
  }
  const std::string_view path = pathOnly(head.path);
  AdminRequest request;
  AdminPage page = AdminPage::None;
  if (path == "/metrics") {
    page = AdminPage::Metrics;
  } else if (path == "/healthz") {
    page = AdminPage::Health;
  } else if (path == "/status.json") {
    page = AdminPage::StatusJson;
  } else if (path == "/") {
    page = AdminPage::StatusPage;
  } else if (path == "/status.css") {
    page = AdminPage::Stylesheet;
  } else if (path == "/status.js") {
    page = AdminPage::Script;
  }
  if (page == AdminPage::None) {
    request = answer(404, AdminPage::None, head.isHead);
  } else if (head.method != "GET" && head.method != "HEAD") {
    request = answer(405);
  } else {
    request = answer(200, page, head.isHead);
  }
  request.parsed = true;
  request.openPath = path == "/healthz";
  for (const http::HeaderField& field : head.headers) {
    if (http::iequals(field.name, "authorization")) {
      request.authorization = request.authorization ? "" : std::string(field.value);
    }
  }
  return request;
}

std::string formatAdminResponse(int status, std::string_view contentType, std::string_view body,
                                bool headOnly) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out.append(http::reasonPhrase(status));
  out.append("\r\nServer: httpgate\r\n");
  if (status == 405) {
    out.append("Allow: GET, HEAD\r\n");
  }
  if (status == 401) {
    out.append("WWW-Authenticate: Basic realm=\"httpgate\"\r\n");
  }
  out.append("Content-Type: ").append(contentType).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  // The status page's own script and stylesheet, its JSON, nothing else:
  // should a value ever slip through unescaped, a browser still runs no
  // script and loads nothing from elsewhere; no framing, no referrer.
  out.append(
      "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
      "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'\r\n"
      "X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n");
  out.append("Cache-Control: no-store\r\nConnection: close\r\n\r\n");
  if (!headOnly) {
    out.append(body);
  }
  return out;
}

}  // namespace httpgate::gate
