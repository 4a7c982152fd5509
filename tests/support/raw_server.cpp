#include "tests/support/raw_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "tests/support/deadline.h"

namespace httpgate::test {
namespace {

// How long the server waits for the bytes of one connection.
constexpr Millis kServeTimeout{5000};

// Receives into `out` until it ends with `until` (when given) or holds
// `size` bytes; false on EOF, an error or the deadline.
bool receive(int fd, std::string& out, size_t size, std::string_view until,
             const Deadline& deadline) {
  char buffer[4096];
  while (out.size() < size) {
    if (!until.empty() && out.size() >= until.size() &&
        std::string_view(out).substr(out.size() - until.size()) == until) {
      return true;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(deadline.remaining().count()));
    if (ready <= 0) {
      return false;
    }
    // A head is read byte by byte, so that no raw byte is taken for it.
    const size_t want = until.empty() ? std::min(sizeof buffer, size - out.size()) : 1;
    const ssize_t got = recv(fd, buffer, want, 0);
    if (got <= 0) {
      return false;
    }
    out.append(buffer, static_cast<size_t>(got));
  }
  return true;
}

}  // namespace

RawServer::RawServer(size_t rawLength, std::string reply)
    : rawLength_(rawLength), reply_(std::move(reply)) {
  listener_ = listenTcp("127.0.0.1", 16, &port_);
  thread_ = std::thread([this] { serveLoop(); });
}

RawServer::~RawServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (serving_ >= 0) {
      shutdown(serving_, SHUT_RDWR);
    }
  }
  shutdown(listener_.get(), SHUT_RDWR);  // wakes a blocked poll() or accept()
  thread_.join();
}

size_t RawServer::connectionCount() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::vector<RawExchange> RawServer::exchanges() const {
  std::lock_guard lock(mutex_);
  return exchanges_;
}

bool RawServer::waitForExchanges(size_t count, Millis timeout) const {
  const Deadline deadline(timeout);
  while (!deadline.expired()) {
    if (exchanges().size() >= count) {
      return true;
    }
    usleep(10'000);
  }
  return exchanges().size() >= count;
}

void RawServer::serveLoop() {
  while (true) {
    const int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        close(fd);
        return;
      }
      ++connections_;
      serving_ = fd;
    }
    RawExchange exchange = serve(fd);
    std::lock_guard lock(mutex_);
    serving_ = -1;
    close(fd);
    exchanges_.push_back(std::move(exchange));
  }
}

RawExchange RawServer::serve(int fd) {
  const Deadline deadline(kServeTimeout);
  RawExchange exchange;
  if (receive(fd, exchange.head, 64 * 1024, "\r\n\r\n", deadline) &&
      receive(fd, exchange.raw, rawLength_, "", deadline)) {
    const std::string answer = reply_ + exchange.raw;
    size_t sent = 0;
    while (sent < answer.size()) {
      const ssize_t n = send(fd, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        break;
      }
      sent += static_cast<size_t>(n);
    }
  }
  return exchange;
}

}  // namespace httpgate::test
