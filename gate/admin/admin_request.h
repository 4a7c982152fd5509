// The admin endpoint's HTTP, without I/O: what to answer to the bytes an
// admin connection has sent so far, and the response bytes. One request per
// connection (every answer closes it), heads parsed by common/http.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace httpgate::gate {

// Bytes an admin request head may take; more is 431.
constexpr size_t kMaxAdminRequest = 8 * 1024;

enum class AdminPage { None, Metrics, Health, StatusJson, StatusPage, Stylesheet, Script };

struct AdminRequest {
  bool complete = false;  // false: read more bytes first
  int status = 0;         // 200 with a page, else the error to answer
  AdminPage page = AdminPage::None;
  bool headOnly = false;  // HEAD: the fields without the body
  // The head was read: admin.users, when set, decide before `status`
  // (a malformed head is answered as it is, there is nothing to protect).
  bool parsed = false;
  // The path is /healthz, which load balancers check without credentials.
  bool openPath = false;
  // The Authorization field's value; nullopt without one, "" when there
  // are several (refused).
  std::optional<std::string> authorization;
};

// Looks at the bytes received so far on an admin connection: NeedMore until
// a whole head is there; then GET or HEAD of /, /status.json, /status.css,
// /status.js, /metrics or /healthz (query
// ignored) is a 200 for that page, another path 404, another method on a
// known path 405, a malformed head the parser's status (400, or 414/431/501).
AdminRequest classifyAdminRequest(std::string_view in);

// A complete response that closes the connection: status line, Content-Type
// (when there is a body), Content-Length, Allow on a 405, WWW-Authenticate
// (Basic, realm "httpgate") on a 401, Connection: close.
std::string formatAdminResponse(int status, std::string_view contentType, std::string_view body,
                                bool headOnly);

}  // namespace httpgate::gate
