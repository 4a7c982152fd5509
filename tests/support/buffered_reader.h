// Reads from a Stream through a carry-over buffer: bytes a call does not
// consume stay for the next call (the next pipelined response, the first
// tunnel bytes after a 101). Every call is bounded by a Deadline.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "tests/support/deadline.h"
#include "tests/support/stream.h"

namespace httpgate::test {

class BufferedReader {
 public:
  explicit BufferedReader(Stream& stream) : stream_(&stream) {}

  // Appends to `out` everything up to and including the first `delimiter`.
  // Error when `limit` bytes are buffered without it.
  IoStatus readThrough(std::string_view delimiter, std::string& out, size_t limit,
                       const Deadline& deadline);
  // Appends exactly `n` bytes to `out`.
  IoStatus readExactly(size_t n, std::string& out, const Deadline& deadline);
  // Appends everything until the peer closes (Ok then), at most `limit` bytes.
  IoStatus readToEof(std::string& out, size_t limit, const Deadline& deadline);
  // Appends what is buffered, or else what one read brings.
  IoStatus readSome(std::string& out, const Deadline& deadline);

  // Reads once more from the stream into the buffer, consuming nothing.
  IoStatus receive(const Deadline& deadline);

  // Bytes received but not consumed yet.
  const std::string& buffered() const { return buffer_; }
  // Takes all buffered bytes.
  std::string takeBuffered() { return std::exchange(buffer_, std::string()); }
  // Called with every chunk as it arrives from the stream (a recorder).
  void setTap(std::function<void(std::string_view)> tap) { tap_ = std::move(tap); }

 private:
  Stream* stream_;
  std::string buffer_;
  std::function<void(std::string_view)> tap_;
};

}  // namespace httpgate::test
