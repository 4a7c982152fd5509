// The client side of TLS (OpenSSL 3) over a blocking socket whose reads and
// writes are bounded with SO_RCVTIMEO / SO_SNDTIMEO. Certificates are not
// verified (they are self-signed); the peer's is kept for the SNI tests.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/stream.h"

namespace httpgate::test {

enum class TlsVersion { Tls11, Tls12, Tls13, Any };

// A TLS session as saved from one connection to resume another.
using TlsSession = std::shared_ptr<SSL_SESSION>;

struct TlsOptions {
  std::string serverName = "gate.test";  // SNI; empty sends none
  TlsVersion version = TlsVersion::Tls13;
  bool offerAlpn = true;  // offer "http/1.1"
  bool offerH2 = false;   // offer "h2" alone instead (a raw HTTP/2 client: h2_frames.h)
  TlsSession session;     // resume this session when set
  // Bytes written on the socket before the ClientHello (a PROXY header).
  std::string prelude;
  // The local address to connect from (Client::tls); empty: any.
  std::string source;
};

class TlsStream final : public Stream {
 public:
  // Runs the handshake on `fd` within `timeout`. Returns nullptr on failure
  // and describes it in `error`; `reason` receives OpenSSL's reason code of
  // the first queued error (0 if none), to tell a refusal by the server
  // from a client that could not even offer the protocol.
  static std::unique_ptr<TlsStream> connect(UniqueFd fd, const TlsOptions& options, Millis timeout,
                                            std::string& error, int* reason);
  // The server side: runs the handshake on the accepted `fd` with
  // `context` (the stream takes its own reference) within `timeout`.
  // Returns nullptr on failure and describes it in `error`.
  static std::unique_ptr<TlsStream> accept(UniqueFd fd, SSL_CTX* context, Millis timeout,
                                           std::string& error);
  ~TlsStream() override;

  IoStatus read(char* data, size_t size, Millis timeout, size_t& got) override;
  IoStatus writeAll(std::string_view data, Millis timeout) override;
  void shutdownWrite() override;
  int fd() const override { return fd_.get(); }
  const std::string& lastError() const override { return error_; }

  std::string cipherName() const;       // SSL_get_cipher_name
  std::string protocolVersion() const;  // "TLSv1.3", ...
  std::string alpn() const;             // the negotiated protocol, "" if none
  bool sessionReused() const;
  // The current session (take it after a response so that TLS 1.3 tickets
  // have arrived).
  TlsSession session() const;
  // Subject CN and subjectAltName DNS entries of the server's certificate.
  std::string peerCommonName() const;
  std::vector<std::string> peerDnsNames() const;
  // The CN of the peer certificate's issuer, and the certificate's SHA-256
  // (hex); "" without one.
  std::string peerIssuerName() const;
  std::string peerFingerprint() const;

 private:
  TlsStream(UniqueFd fd, SSL_CTX* context, SSL* ssl);

  UniqueFd fd_;
  SSL_CTX* context_;
  SSL* ssl_;
  std::string error_;
};

}  // namespace httpgate::test
