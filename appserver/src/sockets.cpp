#include "appserver/src/sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

std::optional<sockaddr_storage> parseAddress(std::string_view address, uint16_t port) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string text(address);
  sockaddr_storage out{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return out;
  }
  out = sockaddr_storage{};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return out;
  }
  return std::nullopt;
}

int listenOn(std::string_view address, uint16_t port, std::string& error) {
  std::optional<sockaddr_storage> parsed = parseAddress(address, port);
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
    std::optional<sockaddr_storage> parsed = parseAddress(address, static_cast<uint16_t>(port));
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
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6&>(address).sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in&>(address).sin_port);
}

namespace {

std::string addressText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
      ::inet_ntop(AF_INET, &v6.sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    }
  } else if (address.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text,
                sizeof text);
  }
  return text;
}

}  // namespace

std::string peerAddress(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return "";
  }
  return addressText(address);
}

std::string localEndpoint(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return "?";
  }
  std::string host = addressText(address);
  if (address.ss_family == AF_INET6) {
    host = "[" + host + "]";
  }
  return host + ":" + std::to_string(localPort(fd));
}

bool isLoopback(std::string_view address) {
  return address == "::1" || address.substr(0, 4) == "127.";
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
