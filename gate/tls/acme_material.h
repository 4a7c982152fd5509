// The keys and certificates of ACME, made and kept with OpenSSL: the
// account key and certificate keys (ECDSA P-256), the CSR for an order, the
// self-signed certificate a listener serves until its first ACME one
// exists, and the tls-alpn-01 challenge certificate (RFC 8737: the
// acmeIdentifier extension). Files are written whole or not at all
// (a temporary file renamed), private keys with mode 0600.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace httpgate::gate {

struct EvpKeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpKey = std::unique_ptr<EVP_PKEY, EvpKeyFree>;
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// A new ECDSA P-256 key.
Result<EvpKey> newAcmeKey();

// The PEM private key in `path`; when there is no such file, a new one
// written there (0600) first.
Result<EvpKey> loadOrCreateKey(const std::string& path);

// The PEM of `key` (private) and of `cert`.
std::string privateKeyPem(EVP_PKEY* key);
std::string certificatePem(X509* cert);

// Writes `content` to `path` through a temporary file in the same
// directory renamed over it, with `mode`; the error text on failure.
Result<bool> writeFileAtomically(const std::string& path, const std::string& content, int mode);

// The DER certificate signing request for `names` (the first also the
// subject CN) with `key`.
Result<std::string> makeCsr(EVP_PKEY* key, const std::vector<std::string>& names);

// A self-signed certificate for `names` with `key`, valid from an hour ago
// for `days`; with `acmeIdentifier` (the SHA-256 of a key authorization,
// 32 bytes) it carries RFC 8737's critical acmeIdentifier extension.
Result<X509Ptr> makeSelfSigned(EVP_PKEY* key, const std::vector<std::string>& names, int days,
                               const std::string& acmeIdentifier = "");

}  // namespace httpgate::gate
