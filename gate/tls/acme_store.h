// Where the gate keeps what ACME gave it, in tls.acme.storage (owned by
// the gate's user): the account key, "account.key", and per certificate
// a directory named after its first name holding "certificate.pem" — the
// private key followed by the chain, in one file (mode 0600) so that a
// renewal replaces both with one rename and no reader ever sees a key
// with the wrong chain — and "lock", which gates sharing the storage take
// before they order. Until a certificate exists a listener serves a
// self-signed stand-in made once per process.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate {

std::string acmeDirectoryOf(const AcmeConfig& acme);
std::string acmeCertificatePath(const AcmeConfig& acme);
std::string acmeAccountKeyPath(const AcmeConfig& acme);
std::string acmeLockPath(const AcmeConfig& acme);

struct StoredCertificate {
  int64_t notAfter = 0;  // Unix seconds
  std::vector<std::string> names;
  std::string fingerprint;  // SHA-256 of the leaf, hex
};

// The certificate stored for `acme`, if its file holds a key and a chain
// that OpenSSL reads.
std::optional<StoredCertificate> readStoredCertificate(const AcmeConfig& acme);

// Whether `stored` covers every name of `acme`.
bool coversNames(const StoredCertificate& stored, const AcmeConfig& acme);

// The self-signed stand-in for `acme`'s names (valid 7 days, made on first
// use and kept by the process); the pointers stay owned by the process.
struct AcmeStandIn {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};
AcmeStandIn acmeStandIn(const AcmeConfig& acme);

}  // namespace httpgate::gate
