#include "gate/net/listeners.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net/address.h"

namespace httpgate::gate {
namespace {

constexpr int kBacklog = 4096;  // the kernel caps it at net.core.somaxconn

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

SocketAddress boundAddress(int fd) {
  SocketAddress actual;
  actual.length = sizeof(actual.storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&actual.storage), &actual.length) < 0) {
    actual.length = 0;
  }
  return actual;
}

// An inherited descriptor and the address it listens on; fd -1 once taken.
struct InheritedSocket {
  int fd = -1;
  SocketAddress address;
};

// Keeps the inherited descriptors that are listening TCP sockets (anything
// else is left alone: the number may have been reused) and marks them
// close-on-exec and non-blocking again, as sockets bound here are.
std::vector<InheritedSocket> describeInherited(const std::vector<int>& fds,
                                               const std::string& origin) {
  std::vector<InheritedSocket> sockets;
  for (int fd : fds) {
    int type = 0;
    int listening = 0;
    socklen_t length = sizeof(type);
    bool ok = ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
    length = sizeof(listening);
    ok = ok && ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening;
    SocketAddress address = ok ? boundAddress(fd) : SocketAddress{};
    if (!ok || address.length == 0 ||
        (address.storage.ss_family != AF_INET && address.storage.ss_family != AF_INET6)) {
      spdlog::warn("{}: inherited descriptor {} is not a listening TCP socket; ignored", origin,
                   fd);
      continue;
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    sockets.push_back({fd, address});
  }
  return sockets;
}

// Takes from `available` the sockets bound to `wanted`: the exact address,
// or for port 0 the first socket on that host and all others on its port.
// Sets `port` to the port they listen on.
std::vector<int> adoptInherited(const SocketAddress& wanted,
                                std::vector<InheritedSocket>& available, uint16_t& port) {
  std::vector<int> taken;
  port = net::portOf(wanted.storage);
  for (InheritedSocket& socket : available) {
    if (socket.fd < 0 || !net::sameHost(socket.address.storage, wanted.storage)) {
      continue;
    }
    if (port == 0) {
      port = net::portOf(socket.address.storage);
    }
    if (net::portOf(socket.address.storage) == port) {
      taken.push_back(socket.fd);
      socket.fd = -1;
    }
  }
  if (taken.empty()) {
    port = 0;
  }
  return taken;
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

Result<std::vector<BoundListener>> bindListeners(const Config& config, unsigned workers,
                                                 const std::vector<int>& inherited,
                                                 const std::string& origin) {
  std::vector<InheritedSocket> available = describeInherited(inherited, origin);
  std::vector<BoundListener> bound;
  auto fail = [&](size_t index, const std::string& message) {
    for (BoundListener& listener : bound) {
      for (int fd : listener.fds) {
        ::close(fd);
      }
    }
    for (const InheritedSocket& socket : available) {
      if (socket.fd >= 0) {
        ::close(socket.fd);
      }
    }
    return formatConfigError(config.file, config.listeners[index].pos,
                             "listen[" + std::to_string(index) + "].address", message);
  };
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    SocketAddress address = config.listeners[i].socket;
    bound.emplace_back();
    bound.back().fds = adoptInherited(address, available, bound.back().port);
    if (!bound.back().fds.empty()) {
      continue;
    }
    for (unsigned w = 0; w < workers; ++w) {
      int fd = openListener(address);
      if (fd < 0) {
        return Result<std::vector<BoundListener>>::fail(fail(
            i, "cannot listen on " + config.listeners[i].address + ": " + std::strerror(errno)));
      }
      bound.back().fds.push_back(fd);
      if (w == 0) {
        bound.back().port = net::portOf(boundAddress(fd).storage);
        net::setPort(address.storage,
                     bound.back().port);  // port 0: the others share the chosen one
      }
    }
  }
  for (const InheritedSocket& socket : available) {
    if (socket.fd >= 0) {
      spdlog::warn("{}: inherited socket on {} matches no configured listener; closed", origin,
                   describeAddress(socket.address, net::portOf(socket.address.storage)));
      ::close(socket.fd);
    }
  }
  return Result<std::vector<BoundListener>>::success(std::move(bound));
}

std::vector<std::vector<ListenSocket>> assignToWorkers(const std::vector<BoundListener>& listeners,
                                                       unsigned workers) {
  std::vector<std::vector<ListenSocket>> assigned(workers);
  for (size_t i = 0; i < listeners.size(); ++i) {
    const std::vector<int>& fds = listeners[i].fds;
    for (size_t s = 0; s < fds.size(); ++s) {
      assigned[s % workers].push_back({fds[s], i});
    }
    // Fewer sockets than workers (an upgrade that raised `workers`): the
    // others accept on duplicates, each worker owning what it closes.
    for (size_t w = fds.size(); w < workers && !fds.empty(); ++w) {
      int copy = ::fcntl(fds[w % fds.size()], F_DUPFD_CLOEXEC, 0);
      if (copy >= 0) {
        assigned[w].push_back({copy, i});
      }
    }
  }
  return assigned;
}

}  // namespace httpgate::gate
