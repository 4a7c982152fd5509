// One HTTP/1.1 response as the client read it, and the reader that gets it
// off a stream. Written for the tests, independent of the gate's parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tests/support/buffered_reader.h"
#include "tests/support/http_fields.h"

namespace httpgate::test {

enum class BodyFraming { None, ContentLength, Chunked, UntilClose };

struct HttpResponse {
  bool complete = false;  // a whole response (head and body) was read
  std::string error;      // why not, when !complete

  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  Fields fields;
  std::string head;  // the head exactly as received, final CRLF CRLF included
  std::string body;  // the payload (chunked framing removed)
  BodyFraming framing = BodyFraming::None;
  size_t wireBytes = 0;  // head plus body bytes as they came over the wire

  std::optional<std::string> field(std::string_view name) const { return findField(fields, name); }
  bool hasField(std::string_view name) const { return findField(fields, name).has_value(); }
  size_t fieldCount(std::string_view name) const { return countField(fields, name); }
  // Whether the response announces "Connection: close".
  bool announcesClose() const { return fieldHasToken(fields, "Connection", "close"); }
  // A one-line summary plus the head, for assertion messages.
  std::string describe() const;
};

// Reads one response from `in`: the head, then the body framed per RFC 9112
// (none for HEAD requests, 1xx, 204 and 304; else chunked, Content-Length
// or until close).
HttpResponse readHttpResponse(BufferedReader& in, bool headRequest, const Deadline& deadline);

}  // namespace httpgate::test
