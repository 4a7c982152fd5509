// TLS on the app server's own ports (Options::tlsCertificate and tlsKey):
// the server context, loaded by the parent before it listens and inherited
// by every session child across fork(), and the non-blocking I/O of one
// connection through it. The gate's routes.hosts[].tls then talks to the
// parent's and the sessions' ports directly, without a second proxy.
#pragma once

#include <openssl/ssl.h>
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "common/result.h"

namespace httpgate::appserver::detail {

class TlsServer {
 public:
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Loads the PEM certificate chain `certFile` and private key `keyFile`
  // into a server context (TLS 1.2 and 1.3, session tickets on). Returns
  // it or the message for the log naming the file that failed.
  static Result<std::unique_ptr<TlsServer>> load(const std::string& certFile,
                                                 const std::string& keyFile);

  // A new SSL on accepted socket `fd`, in accept state; nullptr on failure.
  SSL* accept(int fd) const;

 private:
  TlsServer() = default;
  SSL_CTX* ctx_ = nullptr;
};

// One connection's TLS, driven by a poll() loop over a non-blocking socket.
// The handshake runs inside the first reads; WANT_WRITE anywhere makes the
// loop wait for POLLOUT (wantsWrite), WANT_READ for POLLIN.
class TlsLink {
 public:
  explicit TlsLink(SSL* ssl) : ssl_(ssl) {}
  ~TlsLink() { SSL_free(ssl_); }
  TlsLink(const TlsLink&) = delete;
  TlsLink& operator=(const TlsLink&) = delete;

  // As recv(2): bytes (> 0), 0 at the client's close (close_notify or a
  // FIN), -1 with errno EAGAIN when it would block (the handshake too)
  // or another errno when the connection is broken.
  ssize_t receive(char* buffer, size_t size);
  // As send(2) on a non-blocking socket; the same bytes again after EAGAIN.
  ssize_t transmit(const char* data, size_t size);
  // Sends close_notify (best effort, never blocks).
  void closeNotify();

  // Whether OpenSSL holds decrypted bytes poll() cannot see.
  bool hasPending() const { return SSL_has_pending(ssl_) == 1; }
  // Whether the last call waits for the socket to become writable.
  bool wantsWrite() const { return wantsWrite_; }

 private:
  ssize_t result(int ret);

  SSL* ssl_;
  bool wantsWrite_ = false;
};

}  // namespace httpgate::appserver::detail
