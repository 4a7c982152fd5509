#include "tests/support/backend_request.h"

#include <cstdlib>

namespace httpgate::test {
namespace {

constexpr size_t kMaxHead = 1024 * 1024;

bool isChunked(const RecordedRequest& request) {
  return fieldHasToken(request.fields, "Transfer-Encoding", "chunked");
}

}  // namespace

bool RecordedRequest::hasBody() const {
  return isChunked(*this) || findField(fields, "Content-Length").has_value();
}

IoStatus readRequestHead(BufferedReader& in, RecordedRequest& request, const Deadline& deadline) {
  const IoStatus status = in.readThrough("\r\n\r\n", request.head, kMaxHead, deadline);
  if (status != IoStatus::Ok) {
    // Whatever came of an unfinished head is still worth recording.
    request.head = in.takeBuffered();
    return status == IoStatus::Eof && request.head.empty() ? IoStatus::Eof : IoStatus::Error;
  }
  const std::string_view line = std::string_view(request.head).substr(0, request.head.find("\r\n"));
  const size_t firstSpace = line.find(' ');
  const size_t lastSpace = line.rfind(' ');
  if (firstSpace != std::string_view::npos && lastSpace > firstSpace) {
    request.method = std::string(line.substr(0, firstSpace));
    request.target = std::string(line.substr(firstSpace + 1, lastSpace - firstSpace - 1));
    request.version = std::string(line.substr(lastSpace + 1));
  }
  std::string error;
  parseFields(request.head, request.fields, error);  // a bad line just ends the fields
  return IoStatus::Ok;
}

IoStatus readRequestBody(BufferedReader& in, RecordedRequest& request, const Deadline& deadline) {
  IoStatus status = IoStatus::Ok;
  if (isChunked(request)) {
    std::string error;
    status = readChunkedBody(in, request.rawBody, request.body, deadline, error);
  } else if (const auto length = request.field("Content-Length")) {
    status = in.readExactly(std::strtoull(length->c_str(), nullptr, 10), request.rawBody, deadline);
    if (status != IoStatus::Ok) {
      request.rawBody = in.takeBuffered();
    }
    request.body = request.rawBody;
  }
  request.complete = status == IoStatus::Ok;
  return status;
}

}  // namespace httpgate::test
