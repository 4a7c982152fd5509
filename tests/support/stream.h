// A connected byte stream, plain TCP or TLS, with every read and write
// bounded in time. The HTTP readers and the backend work on this interface.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tests/support/deadline.h"
#include "tests/support/sockets.h"

namespace httpgate::test {

enum class IoStatus {
  Ok,       // some bytes moved
  Eof,      // the peer closed (FIN, TLS close_notify, or a reset)
  Timeout,  // nothing within the time allowed
  Error,    // anything else; see the stream's lastError()
};

const char* toString(IoStatus status);

class Stream {
 public:
  virtual ~Stream() = default;
  // Reads up to `size` bytes into `data`, waiting at most `timeout`;
  // stores the count in `got` when Ok.
  virtual IoStatus read(char* data, size_t size, Millis timeout, size_t& got) = 0;
  // Writes all of `data` within `timeout`.
  virtual IoStatus writeAll(std::string_view data, Millis timeout) = 0;
  // Half-closes the sending direction (TCP FIN; TLS close_notify first).
  virtual void shutdownWrite() = 0;
  virtual int fd() const = 0;
  virtual const std::string& lastError() const = 0;
};

// A TCP stream over a connected socket it owns.
class PlainStream final : public Stream {
 public:
  explicit PlainStream(UniqueFd fd) : fd_(std::move(fd)) {}
  IoStatus read(char* data, size_t size, Millis timeout, size_t& got) override;
  IoStatus writeAll(std::string_view data, Millis timeout) override;
  void shutdownWrite() override;
  int fd() const override { return fd_.get(); }
  const std::string& lastError() const override { return error_; }

 private:
  UniqueFd fd_;
  std::string error_;
};

}  // namespace httpgate::test
