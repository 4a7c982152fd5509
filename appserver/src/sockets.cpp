#include "appserver/src/sockets.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/net/address.h"

namespace httpgate::appserver::detail {
namespace {

std::string errnoText(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

socklen_t lengthOf(const sockaddr_storage& address) {
  return address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

// Binds and listens; -1 with `error` set, or with `inUse` when the port
// is taken (so that a port range can move on to the next one).
int bindAndListen(const sockaddr_storage& address, std::string& error, bool* inUse) {
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errnoText("socket");
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    // Only the wildcard is made dual-stack: "::1" stays IPv6 loopback.
    int v6only = IN6_IS_ADDR_UNSPECIFIED(&v6.sin6_addr) ? 0 : 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), lengthOf(address)) != 0) {
    if (inUse != nullptr) {
      *inUse = errno == EADDRINUSE;
    }
    error = errnoText("bind");
    ::close(fd);
    return -1;
  }
  if (::listen(fd, SOMAXCONN) != 0) {
    error = errnoText("listen");
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int listenOn(std::string_view address, uint16_t port, std::string& error) {
  std::optional<sockaddr_storage> parsed = net::parseIpAddress(address, port);
  if (!parsed) {
    error = "\"" + std::string(address) + "\" is not an IPv4 or IPv6 address";
    return -1;
  }
  return bindAndListen(*parsed, error, nullptr);
}

int listenOnSessionPort(std::string_view address, uint16_t first, uint16_t last,
                        std::string& error) {
  if (first > last) {
    error =
        "session port range " + std::to_string(first) + "-" + std::to_string(last) + " is empty";
    return -1;
  }
  for (uint32_t port = first; port <= last; ++port) {
    std::optional<sockaddr_storage> parsed =
        net::parseIpAddress(address, static_cast<uint16_t>(port));
    if (!parsed) {
      error = "\"" + std::string(address) + "\" is not an IPv4 or IPv6 address";
      return -1;
    }
    bool inUse = false;
    int fd = bindAndListen(*parsed, error, &inUse);
    if (fd >= 0 || !inUse) {
      return fd;
    }
  }
  error = "no free session port in " + std::to_string(first) + "-" + std::to_string(last);
  return -1;
}

uint16_t localPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return 0;
  }
  return net::portOf(address);
}

sockaddr_storage peerOf(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return sockaddr_storage{};
  }
  return address;
}

std::string localEndpoint(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return "?";
  }
  return net::endpointText(address);
}

bool setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

size_t sendSome(int fd, std::string_view data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  return sent;
}

}  // namespace httpgate::appserver::detail
