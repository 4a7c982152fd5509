// Certificates made at test time, ECDSA P-256, written as PEM into the
// test's directory: self-signed ones with the DNS names a test asks for,
// and a test CA with certificates it signs (for verified TLS to hosts).
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

// A certificate authority: a self-signed CA certificate (basicConstraints
// CA:TRUE) named `name`, valid from an hour ago for a day, written as
// <stem>.crt and <stem>.key into `dir`.
struct CertificateAuthority {
  std::string certPath;
  std::string keyPath;
};
CertificateAuthority makeCertificateAuthority(const TempDir& dir, const std::string& stem,
                                              const std::string& name = "httpgate test CA");

// When a certificate is valid, in seconds from now.
struct Validity {
  long notBefore = -3600;
  long notAfter = 24 * 3600;
};

// Valid from an hour ago until `days` days from now (negative: expired
// that many days ago).
Validity expiringInDays(long days);

// What else a signed certificate carries.
struct SignedOptions {
  std::string ocspUrl;      // non-empty: an Authority Information Access OCSP URI
  bool withIssuer = false;  // the CA's certificate follows the leaf in <stem>.crt
};

// A certificate for `dnsNames` signed by `ca`, valid for `validity`
// (Validity{-2 * 86400, -86400} makes an expired one), written as
// <stem>.crt and <stem>.key into `dir`. Throws on an OpenSSL failure.
CertificateFiles makeSignedCertificate(const TempDir& dir, const std::string& stem,
                                       const std::vector<std::string>& dnsNames,
                                       const CertificateAuthority& ca, Validity validity = {},
                                       const SignedOptions& options = {});

// The first certificate of the PEM file `certPath` (X509_free it), or
// null when it cannot be read.
X509* readCertificate(const std::string& certPath);

// The notAfter of the PEM certificate `certPath` in Unix time. Throws when
// the file cannot be read.
long certificateNotAfter(const std::string& certPath);

// The subject CN of `cert`, or "" when it has none.
std::string certificateCommonName(X509* cert);

// The subjectAltName DNS entries of `cert`, in order.
std::vector<std::string> certificateDnsNames(X509* cert);

}  // namespace httpgate::test
