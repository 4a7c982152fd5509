#include "tests/support/dead_ports.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
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

Blackhole::Blackhole(const std::string& host) : host_(host) {
  listener_ = listenTcp(host, 0, &port_);
  // Backlog 0 still admits one connection into the accept queue; fill it.
  for (int i = 0; i < 2; ++i) {
    UniqueFd filler = startConnect(host, port_);
    const bool completed = connectCompletes(filler, Millis{200});
    fillerPorts_.insert(localPort(filler.get()));
    fillers_.push_back(std::move(filler));
    if (!completed) {
      // This one hangs already: the queue is full.
      works_ = true;
      return;
    }
  }
  UniqueFd probe = startConnect(host, port_);
  fillerPorts_.insert(localPort(probe.get()));  // it may linger in SYN_SENT
  works_ = !connectCompletes(probe, Millis{300});
  if (!works_) {
    why_ = "connects to a full accept queue still complete on this kernel";
  }
}

void Blackhole::close() {
  listener_.reset();
  fillers_.clear();
}

std::set<uint16_t> Blackhole::connectingPorts() const {
  // "sl local_address rem_address st ...": an address is the in_addr as a
  // host-order hex number, a colon and the port ("0100007F:1F90" on x86).
  constexpr const char* kSynSent = "02";
  char remote[32];
  std::snprintf(remote, sizeof remote, "%08X:%04X", ipv4(host_, port_).sin_addr.s_addr, port_);
  std::set<uint16_t> result;
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the heading
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string sl, local, rem, state;
    if (!(fields >> sl >> local >> rem >> state) || rem != remote || state != kSynSent) {
      continue;
    }
    const size_t colon = local.find(':');
    const auto localPortNumber =
        static_cast<uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16));
    if (fillerPorts_.count(localPortNumber) == 0) {
      result.insert(localPortNumber);
    }
  }
  return result;
}

ConnectAttempts::ConnectAttempts(const Blackhole& blackhole, Millis limit) {
  thread_ = std::thread([this, &blackhole, limit] {
    const Deadline deadline(limit);
    while (!stop_ && !deadline.expired()) {
      for (uint16_t port : blackhole.connectingPorts()) {
        seen_.insert(port);
      }
      std::this_thread::sleep_for(Millis{5});
    }
  });
}

ConnectAttempts::~ConnectAttempts() {
  stop();
}

std::set<uint16_t> ConnectAttempts::stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  return seen_;
}

}  // namespace httpgate::test
