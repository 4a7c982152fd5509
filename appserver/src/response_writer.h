// Turns a handler's Response into bytes on the wire.
#pragma once

#include <string>
#include <string_view>

#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

struct WriteOptions {
  bool close = false;     // add "Connection: close": the connection ends after it
  bool headOnly = false;  // answering HEAD: the head (with the body's length) only
  bool secure = false;    // the browser used https: Set-Cookie gets "Secure"
};

// Appends "HTTP/1.1 <code> <reason>", the handler's fields, Content-Length
// (none for 1xx, 204 and 304, which have no body), Connection when closing,
// the empty line and the body to `out`.
void appendResponse(std::string& out, const Response& response, const WriteOptions& options);

// A small response the library makes itself (400, 403, 413, 431, 500, 503):
// a one-line text body saying why.
Response errorResponse(int status, std::string_view why);

}  // namespace httpgate::appserver::detail
