#include "tests/support/tls_stream.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "tests/support/certificates.h"

namespace httpgate::test {
namespace {

// Drains OpenSSL's error queue into one line; stores the first reason code.
std::string drainErrors(int* reason) {
  std::string text;
  bool first = true;
  while (unsigned long code = ERR_get_error()) {
    if (first && reason != nullptr) {
      *reason = ERR_GET_REASON(code);
    }
    first = false;
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    text += text.empty() ? "" : "; ";
    text += line;
  }
  return text;
}

void configureVersions(SSL_CTX* context, TlsVersion version) {
  switch (version) {
    case TlsVersion::Tls11:
      // OpenSSL 3 refuses TLS 1.1 below security level 0 (SHA-1 signatures);
      // lower it so the ClientHello really offers 1.1 and only the server
      // can refuse.
      SSL_CTX_set_security_level(context, 0);
      SSL_CTX_set_cipher_list(context, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(context, TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(context, TLS1_1_VERSION);
      break;
    case TlsVersion::Tls12:
      SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
      SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
      break;
    case TlsVersion::Tls13:
      SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
      break;
    case TlsVersion::Any:
      break;
  }
}

}  // namespace

TlsStream::TlsStream(UniqueFd fd, SSL_CTX* context, SSL* ssl)
    : fd_(std::move(fd)), context_(context), ssl_(ssl) {}

TlsStream::~TlsStream() {
  SSL_free(ssl_);
  SSL_CTX_free(context_);
}

std::unique_ptr<TlsStream> TlsStream::connect(UniqueFd fd, const TlsOptions& options,
                                              Millis timeout, std::string& error, int* reason) {
  ERR_clear_error();
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) {
    error = "SSL_CTX_new: " + drainErrors(reason);
    return nullptr;
  }
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  // A gate that closes without close_notify reads as EOF, not as an error.
  SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
  configureVersions(context, options.version);
  if (options.offerH2) {
    static const unsigned char kH2[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(context, kH2, sizeof kH2);
  } else if (options.offerAlpn) {
    static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(context, kHttp11, sizeof kHttp11);
  }
  SSL* ssl = SSL_new(context);
  // The stream owns both from here; the descriptor stays owned by fd_.
  std::unique_ptr<TlsStream> stream(new TlsStream(std::move(fd), context, ssl));
  SSL_set_fd(ssl, stream->fd());
  if (!options.serverName.empty()) {
    SSL_set_tlsext_host_name(ssl, options.serverName.c_str());
  }
  if (options.session) {
    SSL_set_session(ssl, options.session.get());
  }
  setReceiveTimeout(stream->fd(), timeout);
  setSendTimeout(stream->fd(), timeout);
  if (!options.prelude.empty() &&
      ::send(stream->fd(), options.prelude.data(), options.prelude.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(options.prelude.size())) {
    error = "sending the prelude failed";
    return nullptr;
  }
  ERR_clear_error();
  const int rc = SSL_connect(ssl);
  if (rc != 1) {
    const int code = SSL_get_error(ssl, rc);
    const int savedErrno = errno;
    error = "TLS handshake failed (SSL_get_error " + std::to_string(code) + ")";
    const std::string queued = drainErrors(reason);
    if (!queued.empty()) {
      error += ": " + queued;
    } else if (code == SSL_ERROR_SYSCALL) {
      error += savedErrno != 0 ? std::string(": ") + std::strerror(savedErrno) : ": EOF";
    }
    return nullptr;
  }
  return stream;
}

std::unique_ptr<TlsStream> TlsStream::accept(UniqueFd fd, SSL_CTX* context, Millis timeout,
                                             std::string& error) {
  ERR_clear_error();
  SSL_CTX_up_ref(context);
  SSL* ssl = SSL_new(context);
  std::unique_ptr<TlsStream> stream(new TlsStream(std::move(fd), context, ssl));
  if (ssl == nullptr) {
    error = "SSL_new: " + drainErrors(nullptr);
    return nullptr;
  }
  SSL_set_fd(ssl, stream->fd());
  setReceiveTimeout(stream->fd(), timeout);
  setSendTimeout(stream->fd(), timeout);
  const int rc = SSL_accept(ssl);
  if (rc != 1) {
    const int code = SSL_get_error(ssl, rc);
    error = "TLS handshake failed (SSL_get_error " + std::to_string(code) + ")";
    if (const std::string queued = drainErrors(nullptr); !queued.empty()) {
      error += ": " + queued;
    }
    return nullptr;
  }
  return stream;
}

IoStatus TlsStream::read(char* data, size_t size, Millis timeout, size_t& got) {
  if (timeout.count() <= 0) {
    return IoStatus::Timeout;
  }
  setReceiveTimeout(fd(), timeout);
  ERR_clear_error();
  const int n = SSL_read(ssl_, data, static_cast<int>(size));
  if (n > 0) {
    got = static_cast<size_t>(n);
    return IoStatus::Ok;
  }
  const int savedErrno = errno;
  switch (SSL_get_error(ssl_, n)) {
    case SSL_ERROR_ZERO_RETURN:
      return IoStatus::Eof;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      // The socket timed out (EAGAIN); a later SSL_read may simply retry.
      return IoStatus::Timeout;
    case SSL_ERROR_SYSCALL:
      if (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK) {
        return IoStatus::Timeout;
      }
      if (savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE) {
        return IoStatus::Eof;
      }
      error_ = std::strerror(savedErrno);
      return IoStatus::Error;
    default:
      error_ = drainErrors(nullptr);
      return IoStatus::Error;
  }
}

IoStatus TlsStream::writeAll(std::string_view data, Millis timeout) {
  const Deadline deadline(timeout);
  while (!data.empty()) {
    if (deadline.expired()) {
      return IoStatus::Timeout;
    }
    setSendTimeout(fd(), deadline.remaining());
    // After WANT_WRITE the retry must pass the same buffer and length,
    // which this loop does: `data` only shrinks on success.
    const int chunk = data.size() > (1 << 20) ? (1 << 20) : static_cast<int>(data.size());
    ERR_clear_error();
    const int n = SSL_write(ssl_, data.data(), chunk);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    const int savedErrno = errno;
    const int code = SSL_get_error(ssl_, n);
    if (code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_WANT_READ) {
      continue;
    }
    if (code == SSL_ERROR_SYSCALL && (savedErrno == EPIPE || savedErrno == ECONNRESET)) {
      error_ = std::strerror(savedErrno);
      return IoStatus::Eof;
    }
    error_ = "SSL_write: " + drainErrors(nullptr);
    return IoStatus::Error;
  }
  return IoStatus::Ok;
}

void TlsStream::shutdownWrite() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
  shutdown(fd(), SHUT_WR);
}

std::string TlsStream::cipherName() const {
  return SSL_get_cipher_name(ssl_);
}

std::string TlsStream::protocolVersion() const {
  return SSL_get_version(ssl_);
}

std::string TlsStream::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &data, &length);
  return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), length);
}

bool TlsStream::sessionReused() const {
  return SSL_session_reused(ssl_) == 1;
}

TlsSession TlsStream::session() const {
  return TlsSession(SSL_get1_session(ssl_), SSL_SESSION_free);
}

std::string TlsStream::peerCommonName() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) {
    return {};
  }
  std::string name = certificateCommonName(cert);
  X509_free(cert);
  return name;
}

std::vector<std::string> TlsStream::peerDnsNames() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) {
    return {};
  }
  std::vector<std::string> names = certificateDnsNames(cert);
  X509_free(cert);
  return names;
}

std::string TlsStream::peerIssuerName() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) {
    return {};
  }
  char text[256] = "";
  X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_commonName, text, sizeof text);
  X509_free(cert);
  return text;
}

std::string TlsStream::peerFingerprint() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) {
    return {};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(cert, EVP_sha256(), digest, &length);
  X509_free(cert);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace httpgate::test
