#include "tests/support/buffered_reader.h"

namespace httpgate::test {

IoStatus BufferedReader::receive(const Deadline& deadline) {
  char chunk[64 * 1024];
  size_t got = 0;
  const IoStatus status = stream_->read(chunk, sizeof chunk, deadline.remaining(), got);
  if (status == IoStatus::Ok) {
    buffer_.append(chunk, got);
    if (tap_) {
      tap_(std::string_view(chunk, got));
    }
  }
  return status;
}

IoStatus BufferedReader::readThrough(std::string_view delimiter, std::string& out, size_t limit,
                                     const Deadline& deadline) {
  size_t searchFrom = 0;
  while (true) {
    const size_t at = buffer_.find(delimiter, searchFrom);
    if (at != std::string::npos) {
      const size_t end = at + delimiter.size();
      out.append(buffer_, 0, end);
      buffer_.erase(0, end);
      return IoStatus::Ok;
    }
    if (buffer_.size() >= limit) {
      return IoStatus::Error;
    }
    // The delimiter may straddle the old end of the buffer.
    searchFrom = buffer_.size() >= delimiter.size() ? buffer_.size() - delimiter.size() + 1 : 0;
    if (const IoStatus status = receive(deadline); status != IoStatus::Ok) {
      return status;
    }
  }
}

IoStatus BufferedReader::readExactly(size_t n, std::string& out, const Deadline& deadline) {
  while (buffer_.size() < n) {
    if (const IoStatus status = receive(deadline); status != IoStatus::Ok) {
      return status;
    }
  }
  out.append(buffer_, 0, n);
  buffer_.erase(0, n);
  return IoStatus::Ok;
}

IoStatus BufferedReader::readToEof(std::string& out, size_t limit, const Deadline& deadline) {
  while (true) {
    if (buffer_.size() > limit) {
      return IoStatus::Error;
    }
    const IoStatus status = receive(deadline);
    if (status == IoStatus::Eof) {
      out.append(buffer_);
      buffer_.clear();
      return IoStatus::Ok;
    }
    if (status != IoStatus::Ok) {
      return status;
    }
  }
}

IoStatus BufferedReader::readSome(std::string& out, const Deadline& deadline) {
  if (buffer_.empty()) {
    if (const IoStatus status = receive(deadline); status != IoStatus::Ok) {
      return status;
    }
  }
  out.append(buffer_);
  buffer_.clear();
  return IoStatus::Ok;
}

}  // namespace httpgate::test
