// The TLS side of one listener: one SSL_CTX per configured certificate, the
// first being the default and the others chosen by SNI. Built from a
// TlsConfig at start-up and on every reload; a failure names the file, line,
// column and key of the certificate or key that is wrong, so a bad reload is
// refused before anything changes.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "gate/config/config.h"
#include "gate/tls/certificate_info.h"
#include "gate/tls/ocsp_stapler.h"
#include "gate/tls/ticket_keys.h"

namespace httpgate::gate {

class TlsContextSet {
 public:
  ~TlsContextSet();
  TlsContextSet(const TlsContextSet&) = delete;
  TlsContextSet& operator=(const TlsContextSet&) = delete;

  // Loads every certificate chain and key of `tls` (listener `listenerIndex`
  // of `configFile`) into new contexts: TLS 1.2/1.3 as configured, forward-
  // secret AEAD ciphers only, X25519/P-256/P-384, ALPN http/1.1, and
  // session tickets under the keys of `ticketKeys` (every context of the
  // set, the SNI ones too). Returns the set or the error text.
  // `http2`: ALPN offers h2 before http/1.1 (listen[].http2).
  // `stapler` (null: none) gives each certificate its OCSP slot.
  static Result<std::shared_ptr<TlsContextSet>> create(
      const TlsConfig& tls, bool http2, const std::shared_ptr<TicketKeySource>& ticketKeys,
      const std::string& configFile, size_t listenerIndex, OcspStapler* stapler = nullptr);

  // A new server-side SSL for accepted socket `fd`, or nullptr on failure.
  // The SSL keeps its context alive; `this` must outlive the handshake (the
  // connection holds the configuration snapshot that owns it).
  SSL* newConnection(int fd) const;

  // The leaf certificate of every context, in configuration order.
  const CertificateList& certificates() const { return certificates_; }

 private:
  TlsContextSet() = default;

  struct Entry {
    SSL_CTX* ctx = nullptr;
    std::vector<std::string> names;  // DNS names of the certificate, lower case
    std::shared_ptr<OcspSlot> ocsp;  // its status callback's argument
  };

  std::string useCertificate(const CertificateConfig& cert, const std::string& configFile,
                             const std::string& key, OcspStapler* stapler);
  void useAcmeCertificate(const AcmeConfig& acme, OcspStapler* stapler);
  void describe(const CertificateConfig& cert, OcspStapler* stapler);

  // The context whose certificate names `host` (exact or "*.domain"
  // wildcard), or nullptr.
  SSL_CTX* select(std::string_view host) const;
  static int onServerName(SSL* ssl, int* alert, void* arg);

  std::vector<Entry> entries_;
  CertificateList certificates_;
};

}  // namespace httpgate::gate
