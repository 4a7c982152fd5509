#include "tests/support/certificates.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

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

}  // namespace

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
