#include "tests/support/http_response.h"

#include <cctype>
#include <cstdlib>

#include "tests/support/bytes.h"

namespace httpgate::test {
namespace {

constexpr size_t kMaxHead = 256 * 1024;
constexpr size_t kMaxCloseDelimitedBody = 64 * 1024 * 1024;

bool parseStatusLine(HttpResponse& response) {
  const std::string_view head = response.head;
  const std::string_view line = head.substr(0, head.find("\r\n"));
  // "HTTP/1.1 200 OK": version, a space, three digits, then a space and a
  // reason (which may be empty).
  const bool shaped = line.size() >= 12 && line.substr(0, 5) == "HTTP/" && line[8] == ' ' &&
                      std::isdigit(static_cast<unsigned char>(line[9])) &&
                      std::isdigit(static_cast<unsigned char>(line[10])) &&
                      std::isdigit(static_cast<unsigned char>(line[11])) &&
                      (line.size() == 12 || line[12] == ' ');
  if (!shaped) {
    response.error = "bad status line: " + printable(line);
    return false;
  }
  response.version = std::string(line.substr(0, 8));
  response.status = std::atoi(std::string(line.substr(9, 3)).c_str());
  response.reason = line.size() > 13 ? std::string(line.substr(13)) : std::string();
  return true;
}

bool hasNoBody(const HttpResponse& response, bool headRequest) {
  return headRequest || response.status / 100 == 1 || response.status == 204 ||
         response.status == 304;
}

}  // namespace

std::string HttpResponse::describe() const {
  std::string text = complete ? "complete response " + std::to_string(status)
                              : "incomplete response (" + error + ")";
  text += ", " + std::to_string(body.size()) + " body bytes, head:\n" + printable(head);
  return text;
}

HttpResponse readHttpResponse(BufferedReader& in, bool headRequest, const Deadline& deadline) {
  HttpResponse response;
  if (const IoStatus status = in.readThrough("\r\n\r\n", response.head, kMaxHead, deadline);
      status != IoStatus::Ok) {
    response.error = std::string("no response head: ") + toString(status) +
                     (in.buffered().empty() ? "" : ", got: " + printable(in.buffered(), 300));
    return response;
  }
  if (!parseStatusLine(response) || !parseFields(response.head, response.fields, response.error)) {
    return response;
  }
  response.wireBytes = response.head.size();

  std::string raw;
  IoStatus status = IoStatus::Ok;
  if (hasNoBody(response, headRequest)) {
    response.framing = BodyFraming::None;
  } else if (fieldHasToken(response.fields, "Transfer-Encoding", "chunked")) {
    response.framing = BodyFraming::Chunked;
    status = readChunkedBody(in, raw, response.body, deadline, response.error);
  } else if (const auto length = response.field("Content-Length")) {
    response.framing = BodyFraming::ContentLength;
    status = in.readExactly(std::strtoull(length->c_str(), nullptr, 10), raw, deadline);
    response.body = raw;
  } else {
    response.framing = BodyFraming::UntilClose;
    status = in.readToEof(raw, kMaxCloseDelimitedBody, deadline);
    response.body = raw;
  }
  response.wireBytes += raw.size();
  if (status != IoStatus::Ok) {
    if (response.error.empty()) {
      response.error = std::string("body: ") + toString(status);
    }
    response.error += " after " + std::to_string(raw.size() + in.buffered().size()) + " body bytes";
    return response;
  }
  response.complete = true;
  return response;
}

}  // namespace httpgate::test
