// Certificates made at test time: self-signed ECDSA P-256, no CA, with the
// DNS names a test asks for, written as PEM into the test's directory.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace httpgate::test {

struct CertificateFiles {
  std::string certPath;
  std::string keyPath;
  std::string commonName;  // the first DNS name
};

// Makes a certificate for `dnsNames` (subjectAltName DNS entries; the first
// is also the subject CN), valid from an hour ago for a day, and writes
// <stem>.crt and <stem>.key into `dir`. Throws on an OpenSSL failure.
CertificateFiles makeCertificate(const TempDir& dir, const std::string& stem,
                                 const std::vector<std::string>& dnsNames);

// The subject CN of `cert`, or "" when it has none.
std::string certificateCommonName(X509* cert);

// The subjectAltName DNS entries of `cert`, in order.
std::vector<std::string> certificateDnsNames(X509* cert);

}  // namespace httpgate::test
