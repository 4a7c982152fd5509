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

// Binds and listens: the socket, or the message; `inUse` (when given) says
// whether bind() failed because the port is taken, so that a port range can
// move on to the next one.
Result<int> bindAndListen(const sockaddr_storage& address, bool* inUse) {
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Result<int>::fail(errnoText("socket"));
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
    std::string error = errnoText("bind");
    ::close(fd);
    return Result<int>::fail(std::move(error));
  }
  if (::listen(fd, SOMAXCONN) != 0) {
    std::string error = errnoText("listen");
    ::close(fd);
    return Result<int>::fail(std::move(error));
  }
  return Result<int>::success(fd);
}

Result<int> notAnAddress(std::string_view address) {
  return Result<int>::fail("\"" + std::string(address) + "\" is not an IPv4 or IPv6 address");
}

}  // namespace

Result<int> listenOn(std::string_view address, uint16_t port) {
  std::optional<sockaddr_storage> parsed = net::parseIpAddress(address, port);
  if (!parsed) {
    return notAnAddress(address);
  }
  return bindAndListen(*parsed, nullptr);
}

Result<int> listenOnSessionPort(std::string_view address, uint16_t first, uint16_t last) {
  const std::string range = std::to_string(first) + "-" + std::to_string(last);
  if (first > last) {
    return Result<int>::fail("session port range " + range + " is empty");
  }
  for (uint32_t port = first; port <= last; ++port) {
    std::optional<sockaddr_storage> parsed =
        net::parseIpAddress(address, static_cast<uint16_t>(port));
    if (!parsed) {
      return notAnAddress(address);
    }
    bool inUse = false;
    Result<int> bound = bindAndListen(*parsed, &inUse);
    if (bound.ok() || !inUse) {
      return bound;
    }
  }
  return Result<int>::fail("no free session port in " + range);
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
