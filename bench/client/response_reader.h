// Finds where one HTTP/1.1 response ends, from bytes as they arrive. It
// keeps no body bytes, only the head while it is incomplete. Enough for
// the bench's backend: a body framed by Content-Length, or by the end of
// the connection; chunked bodies are not expected and count as an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace httpgate::bench {

class ResponseReader {
 public:
  enum class State { NeedMore, Done, Error };

  // Takes the next bytes of the connection. Returns Done once the whole
  // response has arrived (bytes past its end are ignored), Error when the
  // head is malformed or longer than 64 KiB.
  State feed(std::string_view bytes);
  // The connection ended: Done if the body runs to the end, else Error.
  State endOfStream();

  int status() const { return status_; }
  uint64_t bodyBytes() const { return bodyRead_; }

 private:
  State parseHead();

  std::string head_;
  bool inBody_ = false;
  bool untilEof_ = false;
  int status_ = 0;
  uint64_t bodyLength_ = 0;
  uint64_t bodyRead_ = 0;
};

}  // namespace httpgate::bench
