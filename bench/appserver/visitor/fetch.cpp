#include "bench/appserver/visitor/fetch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace httpgate::bench::appserver {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxResponse = 1 << 20;  // the pages are a few KiB

// Waits until `fd` is ready for `events` or the deadline passes.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) {
      return true;
    }
    if (n < 0 && errno != EINTR) {
      return false;
    }
  }
}

// A socket and, for https, its TLS session; closed on destruction without
// a close_notify (a browser that leaves a page does not send one either).
class Link {
 public:
  ~Link() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  std::string open(const Url& url, SSL_CTX* context, Clock::time_point deadline) {
    deadline_ = deadline;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(url.port);
    if (url.host != "127.0.0.1" && url.host != "localhost") {
      return "not a loopback host: " + url.host;
    }
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      return std::string("socket: ") + std::strerror(errno);
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      if (errno != EINPROGRESS) {
        return std::string("connect: ") + std::strerror(errno);
      }
      if (!waitFor(fd_, POLLOUT, deadline_)) {
        return "connect: timed out";
      }
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        return std::string("connect: ") + std::strerror(error);
      }
    }
    if (!url.tls) {
      return "";
    }
    if (context == nullptr) {
      return "https without a TLS context";
    }
    ssl_ = SSL_new(context);
    if (ssl_ == nullptr) {
      return "SSL_new failed";
    }
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    for (;;) {
      ERR_clear_error();
      int result = SSL_connect(ssl_);
      if (result == 1) {
        return "";
      }
      if (!retry(SSL_get_error(ssl_, result))) {
        return "TLS handshake failed";
      }
    }
  }

  bool writeAll(std::string_view bytes) {
    while (!bytes.empty()) {
      long n;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        // After WANT_*, OpenSSL wants the same buffer and length again:
        // `bytes` is unchanged until a write succeeds.
        int result = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
        if (result <= 0) {
          if (!retry(SSL_get_error(ssl_, result))) {
            return false;
          }
          continue;
        }
        n = result;
      } else {
        n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
          if ((errno != EAGAIN && errno != EINTR) || !waitFor(fd_, POLLOUT, deadline_)) {
            return false;
          }
          continue;
        }
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // > 0 bytes, 0 end of the connection, < 0 error or time-out.
  long readSome(char* buffer, size_t size) {
    for (;;) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        int result = SSL_read(ssl_, buffer, static_cast<int>(size));
        if (result > 0) {
          return result;
        }
        int error = SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_ZERO_RETURN) {
          return 0;
        }
        if (error == SSL_ERROR_SSL &&
            ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
          return 0;  // closed without close_notify: the end of a Connection: close response
        }
        if (!retry(error)) {
          return -1;
        }
        continue;
      }
      long n = ::recv(fd_, buffer, size, 0);
      if (n >= 0) {
        return n;
      }
      if ((errno != EAGAIN && errno != EINTR) || !waitFor(fd_, POLLIN, deadline_)) {
        return -1;
      }
    }
  }

 private:
  // OpenSSL's WANT_READ/WANT_WRITE: wait for the socket, then the caller
  // repeats the same call.
  bool retry(int sslError) {
    if (sslError == SSL_ERROR_WANT_READ) {
      return waitFor(fd_, POLLIN, deadline_);
    }
    if (sslError == SSL_ERROR_WANT_WRITE) {
      return waitFor(fd_, POLLOUT, deadline_);
    }
    return false;
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  Clock::time_point deadline_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// Where a response ends, from what has arrived: the head is parsed once,
// the body decoded when complete.
class Framing {
 public:
  enum class State { NeedMore, Done, Error };

  State feed(const std::string& bytes, Response& response) {
    if (bodyStart_ == 0) {
      size_t end = bytes.find("\r\n\r\n");
      if (end == std::string::npos) {
        return bytes.size() > 65536 ? State::Error : State::NeedMore;
      }
      bodyStart_ = end + 4;
      if (!parseHead(std::string_view(bytes).substr(0, end), response)) {
        return State::Error;
      }
    }
    std::string_view body = std::string_view(bytes).substr(bodyStart_);
    if (chunked_) {
      return dechunk(body, response);
    }
    if (hasLength_) {
      if (body.size() < length_) {
        return State::NeedMore;
      }
      response.body = std::string(body.substr(0, length_));
      return State::Done;
    }
    response.body = std::string(body);
    return State::NeedMore;  // up to the end of the connection
  }

  // The connection ended: a body without framing is complete now.
  State endOfStream(const std::string& bytes, Response& response) {
    if (bodyStart_ != 0 && !chunked_ && !hasLength_) {
      response.body = bytes.substr(bodyStart_);
      return State::Done;
    }
    return State::Error;
  }

 private:
  bool parseHead(std::string_view head, Response& response) {
    size_t lineEnd = head.find("\r\n");
    std::string_view statusLine = head.substr(0, lineEnd);
    if (!statusLine.starts_with("HTTP/1.") || statusLine.size() < 12) {
      return false;
    }
    response.status = std::atoi(std::string(statusLine.substr(9, 3)).c_str());
    while (lineEnd != std::string_view::npos) {
      head.remove_prefix(lineEnd + 2);
      lineEnd = head.find("\r\n");
      std::string_view line = head.substr(0, lineEnd);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        continue;
      }
      std::string name = lower(line.substr(0, colon));
      std::string value = trim(line.substr(colon + 1));
      if (name == "location") {
        response.location = value;
      } else if (name == "content-type") {
        response.contentType = value;
      } else if (name == "content-length") {
        hasLength_ = true;
        length_ = std::strtoull(value.c_str(), nullptr, 10);
      } else if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) {
        chunked_ = true;
      }
    }
    if (response.status == 204 || response.status == 304) {
      hasLength_ = true;
      length_ = 0;
    }
    return response.status >= 100 && response.status <= 599;
  }

  // Decodes the whole chunked body once its last chunk has arrived
  // (the pages are small: decoding from the start each time is cheap).
  State dechunk(std::string_view body, Response& response) {
    std::string decoded;
    for (;;) {
      size_t lineEnd = body.find("\r\n");
      if (lineEnd == std::string_view::npos) {
        return State::NeedMore;
      }
      char* end = nullptr;
      std::string sizeText(body.substr(0, lineEnd));
      unsigned long long size = std::strtoull(sizeText.c_str(), &end, 16);
      if (end == sizeText.c_str()) {
        return State::Error;
      }
      body.remove_prefix(lineEnd + 2);
      if (size == 0) {
        // The last chunk; no trailers are expected: wait for its CRLF.
        if (body.size() < 2) {
          return State::NeedMore;
        }
        response.body = std::move(decoded);
        return State::Done;
      }
      if (body.size() < size + 2) {
        return State::NeedMore;
      }
      decoded.append(body.substr(0, size));
      body.remove_prefix(size + 2);
    }
  }

  size_t bodyStart_ = 0;
  bool chunked_ = false;
  bool hasLength_ = false;
  unsigned long long length_ = 0;
};

}  // namespace

Response fetch(const Url& url, SSL_CTX* tlsContext, Clock::time_point deadline) {
  Response response;
  Link link;
  response.error = link.open(url, tlsContext, deadline);
  if (!response.error.empty()) {
    return response;
  }
  std::string request = "GET " + url.path + " HTTP/1.1\r\nHost: " + url.authority() +
                        "\r\nUser-Agent: httpgate-appserver-visitor\r\n"
                        "Accept: text/html\r\nConnection: close\r\n\r\n";
  if (!link.writeAll(request)) {
    response.error = "write failed";
    return response;
  }
  std::string bytes;
  Framing framing;
  char buffer[16384];
  for (;;) {
    long n = link.readSome(buffer, sizeof buffer);
    Framing::State state;
    if (n < 0) {
      response.error =
          bytes.empty() ? "read failed or timed out (no response)" : "read failed or timed out";
      return response;
    }
    if (n == 0) {
      state = framing.endOfStream(bytes, response);
    } else {
      bytes.append(buffer, static_cast<size_t>(n));
      state = bytes.size() > kMaxResponse ? Framing::State::Error : framing.feed(bytes, response);
    }
    if (state == Framing::State::Done) {
      response.ok = true;
      return response;
    }
    if (state == Framing::State::Error) {
      response.error = n == 0 ? "connection closed before the response ended" : "bad response";
      return response;
    }
  }
}

}  // namespace httpgate::bench::appserver
