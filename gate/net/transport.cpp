#include "gate/net/transport.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace httpgate::gate {
namespace {

// OpenSSL wants an empty error queue before an SSL_* I/O call, so that
// SSL_get_error() sees only what that call left. ERR_clear_error() walks the
// whole queue every time; peeking first makes the usual empty case cheap.
void clearErrorQueue() {
  if (ERR_peek_error() != 0) {
    ERR_clear_error();
  }
}

}  // namespace

void Transport::attach(int fd, SSL* ssl) {
  close();
  fd_ = fd;
  ssl_ = ssl;
  handshakeDone_ = ssl == nullptr;
}

// Maps the return value of an SSL_* I/O call to an IoResult. This is the one
// place where SSL_get_error is interpreted.
IoResult Transport::sslResult(int ret) {
  if (ret > 0) {
    return {IoStatus::Ok, static_cast<size_t>(ret)};
  }
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      return {IoStatus::WantRead, 0};
    case SSL_ERROR_WANT_WRITE:
      return {IoStatus::WantWrite, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {IoStatus::Eof, 0};
    case SSL_ERROR_SYSCALL:
      // A socket error (errno says which). With SSL_OP_IGNORE_UNEXPECTED_EOF
      // set on our contexts, a FIN without close_notify is ZERO_RETURN instead.
      return {IoStatus::Error, 0};
    default:
      return {IoStatus::Error, 0};
  }
}

IoResult Transport::handshake() {
  if (handshakeDone_) {
    return {IoStatus::Ok, 0};
  }
  clearErrorQueue();
  errno = 0;
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshakeDone_ = true;
    return {IoStatus::Ok, 0};
  }
  IoResult result = sslResult(ret);
  return result.status == IoStatus::Ok ? IoResult{IoStatus::Error, 0} : result;
}

IoResult Transport::read(char* buf, size_t len) {
  if (ssl_ == nullptr) {
    for (;;) {
      ssize_t n = ::recv(fd_, buf, len, 0);
      if (n > 0) {
        return {IoStatus::Ok, static_cast<size_t>(n)};
      }
      if (n == 0) {
        return {IoStatus::Eof, 0};
      }
      if (errno == EINTR) {
        continue;
      }
      return {errno == EAGAIN || errno == EWOULDBLOCK ? IoStatus::WantRead : IoStatus::Error, 0};
    }
  }
  clearErrorQueue();
  errno = 0;
  return sslResult(SSL_read(ssl_, buf, static_cast<int>(len > INT32_MAX ? INT32_MAX : len)));
}

IoResult Transport::write(const char* buf, size_t len) {
  if (ssl_ == nullptr) {
    for (;;) {
      ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
      if (n >= 0) {
        return n > 0 ? IoResult{IoStatus::Ok, static_cast<size_t>(n)}
                     : IoResult{IoStatus::WantWrite, 0};
      }
      if (errno == EINTR) {
        continue;
      }
      return {errno == EAGAIN || errno == EWOULDBLOCK ? IoStatus::WantWrite : IoStatus::Error, 0};
    }
  }
  // Retry rule: after WANT_* the caller passes the same bytes again (see the
  // header); partial writes are enabled, so Ok may cover fewer than `len`.
  clearErrorQueue();
  errno = 0;
  return sslResult(SSL_write(ssl_, buf, static_cast<int>(len > INT32_MAX ? INT32_MAX : len)));
}

void Transport::shutdownWrite() {
  if (fd_ < 0) {
    return;
  }
  if (ssl_ != nullptr) {
    if (handshakeDone_) {
      clearErrorQueue();
      SSL_shutdown(ssl_);  // sends close_notify; we do not wait for the peer's
    }
    return;
  }
  ::shutdown(fd_, SHUT_WR);
}

void Transport::close() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  handshakeDone_ = false;
}

std::string_view Transport::cipher() const {
  if (ssl_ == nullptr) {
    return {};
  }
  const char* name = SSL_get_cipher_name(ssl_);
  return name != nullptr ? std::string_view(name) : std::string_view();
}

std::string_view Transport::alpn() const {
  if (ssl_ == nullptr) {
    return {};
  }
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &data, &length);
  return std::string_view(reinterpret_cast<const char*>(data), data != nullptr ? length : 0);
}

}  // namespace httpgate::gate
