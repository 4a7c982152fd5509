// OCSP responses made here with OpenSSL, with any times, signer and status
// — expired ones, or signed by the wrong key, which no real responder
// makes — for the unit tests of the checks and for `ocsp: FILE`.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>

#include "tests/support/certificates.h"

namespace httpgate::test {

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using OwnedCertificate = std::unique_ptr<X509, X509Free>;

// The first certificate of the PEM file `path`; throws when it cannot be read.
OwnedCertificate certificateOrThrow(const std::string& path);

struct OcspResponseSpec {
  long thisUpdateOffset = -60;  // seconds from now
  long nextUpdateOffset = 3600;
  bool revoked = false;
};

// The DER response about the leaf of `certPath` as issued by `issuer`,
// signed with the key of `signer` (normally the same CA). Throws on failure.
std::string makeOcspResponse(const CertificateAuthority& issuer, const std::string& certPath,
                             const CertificateAuthority& signer, OcspResponseSpec spec = {});

// A response about the leaf of `certPath` from `ca` (issuer and signer),
// good, with thisUpdate and nextUpdate at the given offsets from now,
// written as DER to `outPath`.
void writeOcspResponse(const CertificateAuthority& ca, const std::string& certPath,
                       long thisUpdateOffset, long nextUpdateOffset, const std::string& outPath);

}  // namespace httpgate::test
