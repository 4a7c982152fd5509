#include "bench/client/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <utility>

#include "bench/client/proxy_header.h"
#include "bench/client/response_reader.h"
#include "bench/client/tls_setup.h"

namespace httpgate::bench {
namespace {

// Fills `address` from a numeric IPv4 or IPv6 host; the bench never
// resolves names. Returns its length, 0 if `host` is not numeric.
socklen_t numericAddress(const std::string& host, uint16_t port, sockaddr_storage& address) {
  std::memset(&address, 0, sizeof address);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

void setTimeouts(int fd, double seconds) {
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(seconds);
  limit.tv_usec = static_cast<suseconds_t>((seconds - std::floor(seconds)) * 1e6);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

}  // namespace

const char* failureName(Failure failure) {
  switch (failure) {
    case Failure::None:
      return "none";
    case Failure::Connect:
      return "connect";
    case Failure::Handshake:
      return "handshake";
    case Failure::Write:
      return "write";
    case Failure::Read:
      return "read";
    case Failure::Response:
      return "response";
  }
  return "unknown";
}

std::string makeRequest(const Options& options) {
  return "GET " + options.path + " HTTP/1.1\r\nHost: " + options.serverName +
         "\r\nUser-Agent: httpgate-bench-client\r\nAccept: */*\r\n\r\n";
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      failure_(other.failure_),
      error_(std::move(other.error_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    closeNow();
    fd_ = std::exchange(other.fd_, -1);
    ssl_ = std::exchange(other.ssl_, nullptr);
    failure_ = other.failure_;
    error_ = std::move(other.error_);
  }
  return *this;
}

Connection::~Connection() {
  closeNow();
}

void Connection::closeNow() {
  SSL_free(ssl_);
  ssl_ = nullptr;
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

Failure Connection::fail(Failure failure, std::string error) {
  failure_ = failure;
  error_ = std::move(error);
  return failure;
}

Connection Connection::open(const Options& options, SSL_CTX* context) {
  Connection connection;
  sockaddr_storage address;
  socklen_t length = numericAddress(options.host, options.port, address);
  if (length == 0) {
    connection.fail(Failure::Connect, "not a numeric address: " + options.host);
    return connection;
  }
  connection.fd_ = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connection.fd_ < 0) {
    connection.fail(Failure::Connect, std::string("socket: ") + std::strerror(errno));
    return connection;
  }
  int one = 1;
  setsockopt(connection.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setTimeouts(connection.fd_, options.timeoutSeconds);
  if (connect(connection.fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    connection.fail(Failure::Connect, std::string("connect: ") + std::strerror(errno));
    return connection;
  }
  // A balancer writes the header as soon as its connection to the server
  // is up, before the client's first bytes have come through it: its own
  // segment, ahead of the ClientHello (the server's worst case, one more
  // wake-up per connection).
  if (options.proxyV2 && !connection.writeAll(nextProxyV2Header(options.port))) {
    connection.fail(Failure::Write, std::string("PROXY header: ") + std::strerror(errno));
    return connection;
  }
  if (context == nullptr) {
    return connection;
  }
  ERR_clear_error();
  connection.ssl_ = SSL_new(context);
  if (connection.ssl_ == nullptr || SSL_set_fd(connection.ssl_, connection.fd_) != 1 ||
      SSL_set_tlsext_host_name(connection.ssl_, options.serverName.c_str()) != 1) {
    connection.fail(Failure::Handshake, "SSL_new: " + takeOpenSslErrors());
    return connection;
  }
  static const unsigned char kH2[] = {2, 'h', '2'};
  if (options.h2 && SSL_set_alpn_protos(connection.ssl_, kH2, sizeof kH2) != 0) {
    connection.fail(Failure::Handshake, "SSL_set_alpn_protos: " + takeOpenSslErrors());
    return connection;
  }
  // Blocking socket: SSL_connect returns only when the handshake is done
  // or has failed (a timeout shows as SSL_ERROR_SYSCALL with EAGAIN).
  if (SSL_connect(connection.ssl_) != 1) {
    int savedErrno = errno;
    std::string why = takeOpenSslErrors();
    if (why.empty()) {
      why = std::strerror(savedErrno);
    }
    connection.fail(Failure::Handshake, "SSL_connect: " + why);
    return connection;
  }
  if (options.h2 && connection.tlsFacts().alpn != "h2") {
    // A server without HTTP/2 answers without ALPN: it would speak
    // HTTP/1.1, and the measurement would not be the one it claims.
    connection.fail(Failure::Handshake, "ALPN: the server did not choose h2");
  }
  return connection;
}

bool Connection::writeAll(std::string_view bytes) {
  while (!bytes.empty()) {
    long written;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      // Blocking: SSL_write returns the whole length or fails.
      written = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    } else {
      written = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (written < 0 && errno == EINTR) {
        continue;
      }
    }
    if (written <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

long Connection::readSome(char* buffer, size_t size) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    int got = SSL_read(ssl_, buffer, static_cast<int>(size));
    if (got > 0) {
      return got;
    }
    return SSL_get_error(ssl_, got) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
  }
  for (;;) {
    long got = recv(fd_, buffer, size, 0);
    if (got >= 0 || errno != EINTR) {
      return got;
    }
  }
}

Failure Connection::exchange(std::string_view request) {
  if (failure_ != Failure::None) {
    return failure_;
  }
  if (!writeAll(request)) {
    return fail(Failure::Write, std::string("write: ") + std::strerror(errno));
  }
  ResponseReader reader;
  char buffer[16384];
  for (;;) {
    long got = readSome(buffer, sizeof buffer);
    ResponseReader::State state;
    if (got < 0) {
      return fail(Failure::Read, std::string("read: ") + std::strerror(errno));
    }
    state = got == 0 ? reader.endOfStream()
                     : reader.feed(std::string_view(buffer, static_cast<size_t>(got)));
    if (state == ResponseReader::State::Error) {
      return fail(got == 0 ? Failure::Read : Failure::Response,
                  got == 0 ? "connection closed before the response ended" : "bad response");
    }
    if (state == ResponseReader::State::Done) {
      break;
    }
  }
  if (reader.status() != 200) {
    return fail(Failure::Response, "status " + std::to_string(reader.status()));
  }
  return Failure::None;
}

TlsFacts Connection::tlsFacts() const {
  TlsFacts facts;
  if (ssl_ == nullptr) {
    facts.protocol = "plain";
    return facts;
  }
  facts.protocol = SSL_get_version(ssl_);
  facts.cipher = SSL_get_cipher_name(ssl_);
  int group = SSL_get_negotiated_group(ssl_);
  const char* name = OBJ_nid2sn(group & ~TLSEXT_nid_unknown);
  facts.group = (group & TLSEXT_nid_unknown) == 0 && name != nullptr ? name : "unknown";
  const unsigned char* alpn = nullptr;
  unsigned alpnLength = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpnLength);
  if (alpn != nullptr) {
    facts.alpn.assign(reinterpret_cast<const char*>(alpn), alpnLength);
  }
  return facts;
}

}  // namespace httpgate::bench
