#include "tests/support/dead_ports.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace httpgate::test {
namespace {

// An IPv4 loopback address such as 127.0.0.2 with `port`.
sockaddr_in ipv4(const std::string& host, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    throw std::invalid_argument("not an IPv4 literal: " + host);
  }
  return address;
}

// Starts a non-blocking connect to host:port and returns the socket.
UniqueFd startConnect(const std::string& host, uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const sockaddr_in address = ipv4(host, port);
  connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  return fd;
}

// Whether the connect on `fd` completed within `timeout`.
bool connectCompletes(const UniqueFd& fd, Millis timeout) {
  pollfd entry{fd.get(), POLLOUT, 0};
  return poll(&entry, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

uint16_t refusingPort(const std::string& host) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in address = ipv4(host, 0);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
  }
  return localPort(fd.get());  // closed (never listened) when fd goes out of scope
}

SilentListener::SilentListener() {
  listener_ = listenTcp("127.0.0.1", 64, &port_);
}

Blackhole::Blackhole(const std::string& host) {
  listener_ = listenTcp(host, 0, &port_);
  // Backlog 0 still admits one connection into the accept queue; fill it.
  for (int i = 0; i < 2; ++i) {
    UniqueFd filler = startConnect(host, port_);
    const bool completed = connectCompletes(filler, Millis{200});
    fillers_.push_back(std::move(filler));
    if (!completed) {
      // This one hangs already: the queue is full.
      works_ = true;
      return;
    }
  }
  UniqueFd probe = startConnect(host, port_);
  works_ = !connectCompletes(probe, Millis{300});
  if (!works_) {
    why_ = "connects to a full accept queue still complete on this kernel";
  }
}

void Blackhole::close() {
  listener_.reset();
  fillers_.clear();
}

}  // namespace httpgate::test
