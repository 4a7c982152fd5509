#include "common/http/responses.h"

#include <charconv>

namespace httpgate::http {

namespace {

// Statuses that never carry content (RFC 9110 6.4.1).
bool hasNoContent(int status) {
  return status < 200 || status == 204 || status == 304;
}

void appendDefaultPage(std::string& out, int status, std::string_view reason) {
  char code[4] = {};
  std::to_chars(code, code + 3, status);
  const std::string_view title(code, 3);
  out.append("<!DOCTYPE html>\n<html><head><title>");
  out.append(title);
  out.push_back(' ');
  out.append(reason);
  out.append("</title></head>\n<body><h1>");
  out.append(title);
  out.push_back(' ');
  out.append(reason);
  out.append("</h1><hr><p>httpgate</p></body></html>\n");
}

// Appends `value` without the bytes that could end the field line early: a
// Location is built from request data, and a CR or LF there would let a
// client write its own header lines into the response.
void appendFieldValue(std::string& out, std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

void appendLocalResponse(std::string& out, const LocalResponse& response) {
  const int status = (response.status >= 100 && response.status <= 999) ? response.status : 500;
  const std::string_view reason = reasonPhrase(status);
  std::string page;
  std::string_view body = response.body;
  if (body.empty() && !hasNoContent(status)) {
    appendDefaultPage(page, status, reason);
    body = page;
  }
  char number[24] = {};
  out.append("HTTP/1.1 ");
  out.append(number, std::to_chars(number, number + sizeof number, status).ptr);
  out.push_back(' ');
  out.append(reason);
  out.append("\r\nServer: httpgate\r\n");
  if (!hasNoContent(status)) {
    out.append("Content-Type: ");
    appendFieldValue(out, response.contentType);
    out.append("\r\nContent-Length: ");
    out.append(number, std::to_chars(number, number + sizeof number, body.size()).ptr);
    out.append("\r\n");
  }
  if (!response.location.empty()) {
    out.append("Location: ");
    appendFieldValue(out, response.location);
    out.append("\r\n");
  }
  if (!response.hsts.empty()) {
    out.append("Strict-Transport-Security: ");
    appendFieldValue(out, response.hsts);
    out.append("\r\n");
  }
  if (response.retryAfter != 0) {
    out.append("Retry-After: ");
    out.append(number, std::to_chars(number, number + sizeof number, response.retryAfter).ptr);
    out.append("\r\n");
  }
  if (response.close) {
    out.append("Connection: close\r\n");
  } else if (response.http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (!response.headOnly && !hasNoContent(status)) {
    out.append(body);
  }
}

}  // namespace httpgate::http
