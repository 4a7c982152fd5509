#include "tests/support/certificates.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <random>
#include <stdexcept>

namespace httpgate::test {
namespace {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const std::string& what) {
  std::string message = "certificate: " + what;
  if (unsigned long code = ERR_get_error(); code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    message += ": ";
    message += text;
  }
  throw std::runtime_error(message);
}

void addSubjectAltNames(X509* cert, const std::vector<std::string>& dnsNames) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  for (const std::string& dns : dnsNames) {
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    ASN1_STRING_set(text, dns.data(), static_cast<int>(dns.size()));
    GENERAL_NAME* name = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(name, GEN_DNS, text);
    sk_GENERAL_NAME_push(names, name);
  }
  const int ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
  GENERAL_NAMES_free(names);
  if (ok != 1) {
    fail("X509_add1_ext_i2d(subjectAltName)");
  }
}

CertPtr makeSelfSigned(EVP_PKEY* key, const std::vector<std::string>& dnsNames) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    fail("X509_new");
  }
  // A random serial: two certificates of one test must not look alike.
  std::random_device random;
  ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()),
                         static_cast<int64_t>(random() & 0x7fffffff) + 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(dnsNames.front().c_str());
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1) {
    fail("X509_NAME_add_entry_by_txt");
  }
  X509_set_issuer_name(cert.get(), subject);
  addSubjectAltNames(cert.get(), dnsNames);
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    fail("X509_sign");
  }
  return cert;
}

KeyPtr newKey() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    fail("EVP_PKEY_Q_keygen(EC P-256)");
  }
  return key;
}

// A version 3 certificate for `key` with a random serial, subject CN
// `name` and the validity given; not yet signed, issuer not set.
CertPtr newCertificate(EVP_PKEY* key, const std::string& name, Validity validity) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    fail("X509_new");
  }
  std::random_device random;
  ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()),
                         static_cast<int64_t>(random() & 0x7fffffff) + 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), validity.notBefore);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity.notAfter);
  X509_set_pubkey(cert.get(), key);
  const auto* cn = reinterpret_cast<const unsigned char*>(name.c_str());
  if (X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC, cn, -1, -1,
                                 0) != 1) {
    fail("X509_NAME_add_entry_by_txt");
  }
  return cert;
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr || X509_add_ext(cert, extension, -1) != 1) {
    fail("X509V3_EXT_conf_nid");
  }
  X509_EXTENSION_free(extension);
}

void writePem(const std::string& certPath, X509* cert, const std::string& keyPath, EVP_PKEY* key) {
  BioPtr certOut(BIO_new_file(certPath.c_str(), "w"));
  if (!certOut || PEM_write_bio_X509(certOut.get(), cert) != 1) {
    fail("write " + certPath);
  }
  BioPtr keyOut(BIO_new_file(keyPath.c_str(), "w"));
  if (!keyOut ||
      PEM_write_bio_PrivateKey(keyOut.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("write " + keyPath);
  }
}

}  // namespace

CertificateAuthority makeCertificateAuthority(const TempDir& dir, const std::string& stem,
                                              const std::string& name) {
  KeyPtr key = newKey();
  CertPtr cert = newCertificate(key.get(), name, Validity{});
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    fail("X509_sign");
  }
  CertificateAuthority ca{dir.file(stem + ".crt"), dir.file(stem + ".key")};
  writePem(ca.certPath, cert.get(), ca.keyPath, key.get());
  return ca;
}

CertificateFiles makeSignedCertificate(const TempDir& dir, const std::string& stem,
                                       const std::vector<std::string>& dnsNames,
                                       const CertificateAuthority& ca, Validity validity,
                                       const SignedOptions& options) {
  if (dnsNames.empty()) {
    throw std::invalid_argument("makeSignedCertificate needs at least one DNS name");
  }
  BioPtr caCertIn(BIO_new_file(ca.certPath.c_str(), "r"));
  CertPtr caCert(caCertIn ? PEM_read_bio_X509(caCertIn.get(), nullptr, nullptr, nullptr) : nullptr);
  BioPtr caKeyIn(BIO_new_file(ca.keyPath.c_str(), "r"));
  KeyPtr caKey(caKeyIn ? PEM_read_bio_PrivateKey(caKeyIn.get(), nullptr, nullptr, nullptr)
                       : nullptr);
  if (!caCert || !caKey) {
    fail("read the CA " + ca.certPath);
  }
  KeyPtr key = newKey();
  CertPtr cert = newCertificate(key.get(), dnsNames.front(), validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert.get()));
  addSubjectAltNames(cert.get(), dnsNames);
  addExtension(cert.get(), caCert.get(), NID_authority_key_identifier, "keyid");
  if (!options.ocspUrl.empty()) {
    addExtension(cert.get(), caCert.get(), NID_info_access,
                 ("OCSP;URI:" + options.ocspUrl).c_str());
  }
  if (X509_sign(cert.get(), caKey.get(), EVP_sha256()) == 0) {
    fail("X509_sign");
  }
  CertificateFiles files{dir.file(stem + ".crt"), dir.file(stem + ".key"), dnsNames.front()};
  writePem(files.certPath, cert.get(), files.keyPath, key.get());
  if (options.withIssuer) {
    BioPtr chainOut(BIO_new_file(files.certPath.c_str(), "a"));
    if (!chainOut || PEM_write_bio_X509(chainOut.get(), caCert.get()) != 1) {
      fail("append the CA to " + files.certPath);
    }
  }
  return files;
}

CertificateFiles makeCertificate(const TempDir& dir, const std::string& stem,
                                 const std::vector<std::string>& dnsNames) {
  if (dnsNames.empty()) {
    throw std::invalid_argument("makeCertificate needs at least one DNS name");
  }
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    fail("EVP_PKEY_Q_keygen(EC P-256)");
  }
  CertPtr cert = makeSelfSigned(key.get(), dnsNames);

  CertificateFiles files{dir.file(stem + ".crt"), dir.file(stem + ".key"), dnsNames.front()};
  BioPtr certOut(BIO_new_file(files.certPath.c_str(), "w"));
  if (!certOut || PEM_write_bio_X509(certOut.get(), cert.get()) != 1) {
    fail("write " + files.certPath);
  }
  BioPtr keyOut(BIO_new_file(files.keyPath.c_str(), "w"));
  if (!keyOut || PEM_write_bio_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                          nullptr) != 1) {
    fail("write " + files.keyPath);
  }
  return files;
}

Validity expiringInDays(long days) {
  return Validity{-3600, days * 86400};
}

X509* readCertificate(const std::string& certPath) {
  BioPtr in(BIO_new_file(certPath.c_str(), "r"));
  X509* cert = in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr;
  ERR_clear_error();
  return cert;
}

long certificateNotAfter(const std::string& certPath) {
  CertPtr cert(readCertificate(certPath));
  tm when{};
  if (!cert || ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &when) != 1) {
    fail("read the notAfter of " + certPath);
  }
  return static_cast<long>(timegm(&when));
}

std::string certificateCommonName(X509* cert) {
  char text[256];
  const int length =
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, text, sizeof text);
  return length < 0 ? std::string() : std::string(text, static_cast<size_t>(length));
}

std::vector<std::string> certificateDnsNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<size_t>(ASN1_STRING_length(dns)));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace httpgate::test
