#include "tests/support/sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace httpgate::test {
namespace {

// Writing to a socket the gate has closed must fail with EPIPE, not kill the
// test binary (OpenSSL writes with write(), where MSG_NOSIGNAL cannot help).
const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

Address makeAddress(const std::string& host, uint16_t port) {
  Address address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    address.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    address.length = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("not an IP literal: " + host);
  }
  return address;
}

timeval toTimeval(Millis timeout) {
  const long ms = timeout.count() < 1 ? 1 : static_cast<long>(timeout.count());
  return timeval{ms / 1000, (ms % 1000) * 1000};
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset(other.release());
  }
  return *this;
}

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) {
    close(fd_);
  }
  fd_ = fd;
}

UniqueFd connectTcp(const std::string& host, uint16_t port, Millis timeout, std::string* error,
                    const std::string& source) {
  (void)kSigpipeIgnored;
  const Address address = makeAddress(host, port);
  UniqueFd fd(socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  auto failed = [&](int code) {
    if (error != nullptr) {
      *error = std::strerror(code);
    }
    return UniqueFd();
  };
  if (!fd.valid()) {
    return failed(errno);
  }
  if (!source.empty()) {
    const Address from = makeAddress(source, 0);
    if (bind(fd.get(), from.get(), from.length) != 0) {
      return failed(errno);
    }
  }
  if (connect(fd.get(), address.get(), address.length) != 0) {
    if (errno != EINPROGRESS) {
      return failed(errno);
    }
    pollfd entry{fd.get(), POLLOUT, 0};
    const int ready = poll(&entry, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) {
      return failed(ready == 0 ? ETIMEDOUT : errno);
    }
    int soError = 0;
    socklen_t length = sizeof soError;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soError, &length);
    if (soError != 0) {
      return failed(soError);
    }
  }
  // Blocking from here on: every read and write is bounded by SO_*TIMEO.
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

UniqueFd listenTcp(const std::string& host, int backlog, uint16_t* port, uint16_t wanted) {
  (void)kSigpipeIgnored;
  const Address address = makeAddress(host, wanted);
  UniqueFd fd(socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.valid() && wanted != 0) {
    const int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (!fd.valid() || bind(fd.get(), address.get(), address.length) != 0 ||
      listen(fd.get(), backlog) != 0) {
    throw std::runtime_error("listen on " + host + ":" + std::to_string(wanted) + ": " +
                             std::strerror(errno));
  }
  if (port != nullptr) {
    *port = localPort(fd.get());
  }
  return fd;
}

uint16_t localPort(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return 0;
  }
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

void setReceiveTimeout(int fd, Millis timeout) {
  const timeval tv = toTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

void setSendTimeout(int fd, Millis timeout) {
  const timeval tv = toTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool ipv6LoopbackAvailable() {
  const Address address = makeAddress("::1", 0);
  UniqueFd fd(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid() && bind(fd.get(), address.get(), address.length) == 0;
}

uint16_t freePortOutsideEphemeralRange() {
  long low = 32768;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> low;
  const long first = 10000;
  const long last = std::max(first + 1000, low - 1);
  // A start of its own per process, so that tests running at once do not
  // probe the same ports in the same order; and each call of the process
  // goes on after the port the previous one handed out, which may still be
  // free (nothing listens on it yet).
  static std::atomic<long> calls{0};
  long candidate =
      first + static_cast<long>((::getpid() * 7919L + calls.fetch_add(1) * 17) % (last - first));
  for (long tried = 0; tried < last - first; ++tried, ++candidate) {
    if (candidate > last) {
      candidate = first;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      break;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(candidate));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (free) {
      return static_cast<uint16_t>(candidate);
    }
  }
  throw std::runtime_error("no free port below the ephemeral range");
}

}  // namespace httpgate::test
