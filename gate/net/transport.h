// The bottom layer of a connection: bytes in and out of one socket, either
// plain or through OpenSSL. Non-blocking throughout; OpenSSL's
// WANT_READ/WANT_WRITE become IoStatus values, so the layer above only has to
// know "blocked on read" or "blocked on write".
//
// OpenSSL's retry rule applies to write(): after WantRead/WantWrite the next
// call must pass the same bytes again (it may pass more after them, and the
// buffer may have moved: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER is set).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string_view>

namespace httpgate::gate {

enum class IoStatus : unsigned char {
  Ok,         // `bytes` were transferred (always > 0)
  WantRead,   // retry when the socket is readable
  WantWrite,  // retry when the socket is writable
  Eof,        // the peer closed (TLS: close_notify or a plain FIN)
  Error,      // the connection is unusable; errno or the OpenSSL queue says why
};

struct IoResult {
  IoStatus status = IoStatus::Error;
  size_t bytes = 0;
};

class Transport {
 public:
  Transport() = default;
  ~Transport() { close(); }
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Takes ownership of `fd` (and of `ssl` when not null; the SSL is already
  // bound to a context and set to accept or connect state).
  void attach(int fd, SSL* ssl);
  // Begins TLS on the attached socket (`ssl` bound to it, in accept state).
  void startTls(SSL* ssl) {
    ssl_ = ssl;
    handshakeDone_ = ssl == nullptr;
  }
  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }
  bool isTls() const { return ssl_ != nullptr; }
  bool handshakeDone() const { return handshakeDone_; }

  // Drives the TLS handshake; Ok (bytes 0) once complete. Plain: Ok at once.
  IoResult handshake();
  IoResult read(char* buf, size_t len);
  IoResult write(const char* buf, size_t len);
  // Sends a TLS close_notify (best effort, never waits) or shuts down the
  // write side of a plain socket.
  void shutdownWrite();
  // Closes the socket and frees the SSL.
  void close();

  // Whether OpenSSL holds received bytes not yet returned by read(); always
  // false on plain connections.
  bool hasPending() const { return ssl_ != nullptr && SSL_has_pending(ssl_) == 1; }

  // The negotiated cipher's OpenSSL name, "" on plain connections.
  std::string_view cipher() const;
  // The protocol ALPN chose ("h2", "http/1.1"), "" without one.
  std::string_view alpn() const;

 private:
  IoResult sslResult(int ret);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool handshakeDone_ = false;
};

}  // namespace httpgate::gate
