// Responses the gate makes itself: error pages, redirects, the void page.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace httpgate::http {

// The standard reason phrase for `status` ("Bad Gateway"), "Unknown" otherwise.
std::string_view reasonPhrase(int status);

struct LocalResponse {
  int status = 500;
  std::string_view contentType = "text/html; charset=utf-8";
  std::string_view body;      // when empty: a small HTML page naming the status
  std::string_view location;  // adds a Location field when not empty
  bool close = false;         // adds "Connection: close"
  bool headOnly = false;      // a HEAD request: fields only, no body bytes
  bool http10 = false;        // client spoke HTTP/1.0 and stays open: "Connection: keep-alive"
  std::string_view hsts;      // adds Strict-Transport-Security when not empty
  uint32_t retryAfter = 0;    // adds "Retry-After: <seconds>" when not 0 (a 429)
};

// Appends a complete response: status line, Server: httpgate, Content-Type,
// Content-Length, Location, Strict-Transport-Security and Connection when
// asked, CRLF, body.
void appendLocalResponse(std::string& out, const LocalResponse& response);

}  // namespace httpgate::http
