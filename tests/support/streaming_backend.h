// A backend for bodies too large to keep: uploads are hashed as they come
// (the answer is the SHA-256 hex of the payload), downloads made as they
// go (GET /bytes/N answers N bytes of patternByte()), so that a test can
// move a GiB each way in constant memory. HTTP/1.1 with Content-Length
// only, keep-alive; one thread per connection, every wait bounded.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "tests/support/sockets.h"

namespace httpgate::test {

// The byte at `offset` of a pattern body: not periodic at any small
// length, so a lost or repeated block changes the digest.
inline char patternByte(uint64_t offset) {
  return static_cast<char>((offset * 131 + (offset >> 12) * 7 + (offset >> 20)) & 0xff);
}
// Fills `out` with the pattern from `offset` on.
void fillPattern(uint64_t offset, char* out, size_t n);
// The SHA-256 hex of the first `length` bytes of the pattern.
std::string patternSha256(uint64_t length);

class StreamingBackend {
 public:
  StreamingBackend();
  ~StreamingBackend();
  StreamingBackend(const StreamingBackend&) = delete;
  StreamingBackend& operator=(const StreamingBackend&) = delete;

  uint16_t port() const { return port_; }

 private:
  void acceptLoop();
  void serve(int fd);

  UniqueFd listener_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  bool stopping_ = false;
  std::list<int> open_;  // connections being served, cut by the destructor
  std::list<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace httpgate::test
