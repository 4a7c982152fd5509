#include "appserver/src/tls_server.h"

#include <openssl/err.h>

#include <cerrno>
#include <climits>

namespace httpgate::appserver::detail {
namespace {

std::string opensslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

TlsServer::~TlsServer() {
  SSL_CTX_free(ctx_);
}

Result<std::unique_ptr<TlsServer>> TlsServer::load(const std::string& certFile,
                                                   const std::string& keyFile) {
  using Loaded = Result<std::unique_ptr<TlsServer>>;
  std::unique_ptr<TlsServer> server(new TlsServer());
  ERR_clear_error();
  server->ctx_ = SSL_CTX_new(TLS_server_method());
  if (server->ctx_ == nullptr) {
    return Loaded::fail("SSL_CTX_new: " + opensslError());
  }
  SSL_CTX* ctx = server->ctx_;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Partial and moving writes: a connection's output string is written as
  // it is and may grow between retries.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, certFile.c_str()) != 1) {
    return Loaded::fail("cannot load the TLS certificate \"" + certFile + "\": " + opensslError());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Loaded::fail("cannot load the TLS key \"" + keyFile + "\": " + opensslError());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Loaded::fail("the TLS key \"" + keyFile + "\" does not match the certificate \"" +
                        certFile + "\": " + opensslError());
  }
  // Stateless tickets let the gate resume: the key is made here, in the
  // parent, so every session child (a fork) decrypts the parent's tickets.
  static const unsigned char kContext[] = "httpgate-appserver";
  SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext - 1);
  return Loaded::success(std::move(server));
}

SSL* TlsServer::accept(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

// SSL_get_error mapped to recv/send's conventions, in this one place.
ssize_t TlsLink::result(int ret) {
  wantsWrite_ = false;
  if (ret > 0) {
    return ret;
  }
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_WRITE:
      wantsWrite_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_READ:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) {
        return 0;  // a FIN without close_notify
      }
      return -1;
    default:
      ERR_clear_error();
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsLink::receive(char* buffer, size_t size) {
  // An empty error queue, so that SSL_get_error sees only this call's; the
  // read also runs (and goes on with) the handshake.
  ERR_clear_error();
  errno = 0;
  return result(SSL_read(ssl_, buffer, static_cast<int>(size > INT_MAX ? INT_MAX : size)));
}

ssize_t TlsLink::transmit(const char* data, size_t size) {
  // Retry rule: after EAGAIN the caller passes the same bytes (or more
  // after them) again.
  ERR_clear_error();
  errno = 0;
  return result(SSL_write(ssl_, data, static_cast<int>(size > INT_MAX ? INT_MAX : size)));
}

void TlsLink::closeNotify() {
  if (SSL_is_init_finished(ssl_) == 1) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
  }
}

}  // namespace httpgate::appserver::detail
