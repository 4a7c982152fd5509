#include "tests/support/stream.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace httpgate::test {

const char* toString(IoStatus status) {
  switch (status) {
    case IoStatus::Ok:
      return "ok";
    case IoStatus::Eof:
      return "connection closed";
    case IoStatus::Timeout:
      return "timeout";
    case IoStatus::Error:
      return "error";
  }
  return "?";
}

IoStatus PlainStream::read(char* data, size_t size, Millis timeout, size_t& got) {
  if (timeout.count() <= 0) {
    return IoStatus::Timeout;
  }
  setReceiveTimeout(fd_.get(), timeout);
  ssize_t n;
  do {
    n = recv(fd_.get(), data, size, 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    got = static_cast<size_t>(n);
    return IoStatus::Ok;
  }
  if (n == 0 || errno == ECONNRESET) {
    return IoStatus::Eof;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    return IoStatus::Timeout;
  }
  error_ = std::strerror(errno);
  return IoStatus::Error;
}

IoStatus PlainStream::writeAll(std::string_view data, Millis timeout) {
  const Deadline deadline(timeout);
  while (!data.empty()) {
    if (deadline.expired()) {
      return IoStatus::Timeout;
    }
    setSendTimeout(fd_.get(), deadline.remaining());
    const ssize_t n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      error_ = std::strerror(errno);
      return errno == EPIPE || errno == ECONNRESET ? IoStatus::Eof : IoStatus::Error;
    }
  }
  return IoStatus::Ok;
}

void PlainStream::shutdownWrite() {
  shutdown(fd_.get(), SHUT_WR);
}

}  // namespace httpgate::test
