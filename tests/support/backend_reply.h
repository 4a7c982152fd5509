// What a test backend answers to one request, and how it behaves while
// doing so (delays, broken connections, tunnels).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/deadline.h"

namespace httpgate::test {

struct BackendReply {
  enum class Framing {
    ContentLength,  // Content-Length: body size
    Chunked,        // Transfer-Encoding: chunked, chunks of chunkSize
    UntilClose,     // neither; the backend closes after the body
    NoFraming,      // neither and no body bytes (HEAD, 204, 304, 101, or own headers)
  };

  int status = 200;
  std::string reason = "OK";
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  Framing framing = Framing::ContentLength;
  size_t chunkSize = 4096;

  Millis delay{0};                 // wait this long before answering
  bool close = false;              // add "Connection: close" and close after the response
  bool neverAnswer = false;        // read on, never write a byte
  std::optional<size_t> dieAfter;  // write only this many bytes of the response, then close
  bool tunnel = false;             // after the response, echo every byte back until EOF
  std::string tunnelGreeting;      // tunnel: written right after the response head
  std::string raw;                 // when set: sent as the whole response, nothing added

  // The response bytes (status line, fields, framing, body).
  std::string serialize() const;
};

}  // namespace httpgate::test
