#include "gate/listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace httpgate::gate {
namespace {

constexpr int kBacklog = 4096;  // the kernel caps it at net.core.somaxconn

void setPort(SocketAddress& address, uint16_t port) {
  if (address.storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&address.storage)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&address.storage)->sin6_port = htons(port);
  }
}

uint16_t getPort(const SocketAddress& address) {
  if (address.storage.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_port);
}

// Returns the socket or -1 with errno set.
int openListener(const SocketAddress& address) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  int zero = 0;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
      // Accepted sockets inherit TCP_NODELAY: responses leave at once, and no
      // setsockopt() per connection is needed.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
      (address.storage.ss_family == AF_INET6 &&
       // "[::]" means both IPv6 and IPv4, as httpGate listens.
       ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0) ||
      ::bind(fd, address.get(), address.length) < 0 || ::listen(fd, kBacklog) < 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

std::string describeAddress(const SocketAddress& address, uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.storage.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr, text,
              sizeof(text));
    return std::string(text) + ":" + std::to_string(port);
  }
  inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr, text,
            sizeof(text));
  return "[" + std::string(text) + "]:" + std::to_string(port);
}

std::variant<std::vector<BoundListener>, std::string> bindListeners(const Config& config,
                                                                    unsigned workers) {
  std::vector<BoundListener> bound;
  auto fail = [&](size_t index, const std::string& message) {
    for (BoundListener& listener : bound) {
      for (int fd : listener.fds) {
        ::close(fd);
      }
    }
    return formatConfigError(config.file, config.listeners[index].pos,
                             "listen[" + std::to_string(index) + "].address", message);
  };
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    SocketAddress address = config.listeners[i].socket;
    bound.emplace_back();
    for (unsigned w = 0; w < workers; ++w) {
      int fd = openListener(address);
      if (fd < 0) {
        return fail(
            i, "cannot listen on " + config.listeners[i].address + ": " + std::strerror(errno));
      }
      bound.back().fds.push_back(fd);
      if (w == 0) {
        SocketAddress actual;
        actual.length = sizeof(actual.storage);
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&actual.storage), &actual.length);
        bound.back().port = getPort(actual);
        setPort(address, bound.back().port);  // port 0: the others share the chosen one
      }
    }
  }
  return bound;
}

}  // namespace httpgate::gate
