#include "appserver/src/connection.h"

#include <sys/socket.h>

#include <cerrno>

#include "common/net/address.h"

namespace httpgate::appserver::detail {
namespace {

// A connection's bytes in and out, through TLS when it has it; as recv(2)
// and send(2) on its non-blocking socket.
ssize_t receiveSome(Connection& connection, char* buffer, size_t size) {
  return connection.tls ? connection.tls->receive(buffer, size)
                        : ::recv(connection.fd, buffer, size, MSG_DONTWAIT);
}

ssize_t sendSome(Connection& connection) {
  const std::string& out = connection.out;
  return connection.tls
             ? connection.tls->transmit(out.data(), out.size())
             : ::send(connection.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

Connection::Connection(int descriptor, const sockaddr_storage& peerAddress, const Options& options)
    : fd(descriptor),
      peer(net::addressText(peerAddress)),
      peerLoopback(net::isLoopback(peerAddress)),
      reader(options.maxHead, options.maxBody) {}

void readFrom(Connection& connection) {
  if (connection.closing) {
    // Nothing more is wanted from this client: drain until it closes.
    char scratch[4096];
    for (int round = 0; round < 16; ++round) {
      ssize_t n = receiveSome(connection, scratch, sizeof scratch);
      if (n == 0) {
        connection.peerClosed = true;
      }
      if (n <= 0) {
        return;
      }
    }
    return;
  }
  if (connection.peerClosed) {
    return;
  }
  char buffer[65536];
  for (int round = 0; round < 4; ++round) {
    ssize_t n = receiveSome(connection, buffer, sizeof buffer);
    if (n > 0) {
      connection.reader.input().append(buffer, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buffer) {
        return;
      }
    } else if (n == 0) {
      connection.peerClosed = true;
      return;
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        connection.broken = true;
      }
      return;
    }
  }
}

void queueResponse(Connection& connection, const Response& response, const WriteOptions& options) {
  appendResponse(connection.out, response, options);
  if (options.close) {
    connection.closing = true;
  }
}

void flush(Connection& connection) {
  if (connection.out.empty() || connection.broken) {
    return;
  }
  ssize_t n = sendSome(connection);
  if (n > 0) {
    connection.out.erase(0, static_cast<size_t>(n));
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    connection.broken = true;
  }
}

bool finished(Connection& connection, Connection::Clock::time_point now) {
  if (connection.broken) {
    return true;
  }
  if (!connection.out.empty()) {
    return false;
  }
  if (connection.peerClosed && !connection.closing) {
    return true;
  }
  if (!connection.closing) {
    return false;
  }
  if (!connection.shutDown) {
    if (connection.tls) {
      connection.tls->closeNotify();
    }
    ::shutdown(connection.fd, SHUT_WR);
    connection.shutDown = true;
    connection.lingerUntil = now + std::chrono::seconds(1);
  }
  return connection.peerClosed || now >= connection.lingerUntil;
}

}  // namespace httpgate::appserver::detail
