// A request as a test backend received it from the gate, byte for byte,
// and the reader that takes it off the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/buffered_reader.h"
#include "tests/support/http_fields.h"

namespace httpgate::test {

struct RecordedRequest {
  uint16_t backendPort = 0;  // the port of the backend that received it
  size_t connection = 0;     // 1-based number of the backend connection it came on
  std::string head;          // exactly as received, through the empty line
  std::string method;
  std::string target;
  std::string version;
  Fields fields;
  std::string rawBody;    // body bytes exactly as received (chunk framing included)
  std::string body;       // the payload
  bool complete = false;  // the whole body the head announced arrived

  std::optional<std::string> field(std::string_view name) const { return findField(fields, name); }
  bool expectsContinue() const { return fieldHasToken(fields, "Expect", "100-continue"); }
  bool hasBody() const;
};

// Reads a request head into `request` (head, method, target, version,
// fields). Eof when the connection closed before any byte of a new head.
IoStatus readRequestHead(BufferedReader& in, RecordedRequest& request, const Deadline& deadline);

// Reads the body the head announces (chunked or Content-Length; none
// otherwise) and sets `complete`.
IoStatus readRequestBody(BufferedReader& in, RecordedRequest& request, const Deadline& deadline);

}  // namespace httpgate::test
