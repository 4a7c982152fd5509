#include "gate/tls/acme_material.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gate/tls/openssl_error.h"

namespace httpgate::gate {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

// subjectAltName with a DNS entry per name.
bool addNames(STACK_OF(X509_EXTENSION) * extensions, X509* cert,
              const std::vector<std::string>& names) {
  GENERAL_NAMES* list = sk_GENERAL_NAME_new_null();
  for (const std::string& name : names) {
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    ASN1_STRING_set(text, name.data(), static_cast<int>(name.size()));
    GENERAL_NAME* entry = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(entry, GEN_DNS, text);
    sk_GENERAL_NAME_push(list, entry);
  }
  bool ok = false;
  if (cert != nullptr) {
    ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, list, 0, X509V3_ADD_DEFAULT) == 1;
  } else {
    ok = X509V3_add1_i2d(&extensions, NID_subject_alt_name, list, 0, X509V3_ADD_DEFAULT) == 1;
  }
  GENERAL_NAMES_free(list);
  return ok;
}

bool setCommonName(X509_NAME* subject, const std::string& name) {
  return X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                                    0) == 1;
}

}  // namespace

Result<EvpKey> newAcmeKey() {
  EvpKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return Result<EvpKey>::fail("cannot make an ECDSA P-256 key: " + opensslError());
  }
  return Result<EvpKey>::success(std::move(key));
}

std::string privateKeyPem(EVP_PKEY* key) {
  Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(out.get());
}

std::string certificatePem(X509* cert) {
  Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert);
  return bioText(out.get());
}

Result<bool> writeFileAtomically(const std::string& path, const std::string& content, int mode) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return Result<bool>::fail("cannot write " + temporary + ": " + std::strerror(errno));
  }
  ::fchmod(fd, static_cast<mode_t>(mode));  // whatever the umask took away or left
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return Result<bool>::fail("cannot write " + temporary + ": " + std::strerror(error));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return Result<bool>::fail("cannot write " + path + ": " + std::strerror(error));
  }
  return Result<bool>::success(true);
}

Result<EvpKey> loadOrCreateKey(const std::string& path) {
  if (FILE* in = std::fopen(path.c_str(), "r")) {
    EvpKey key(PEM_read_PrivateKey(in, nullptr, nullptr, nullptr));
    std::fclose(in);
    if (!key) {
      return Result<EvpKey>::fail("cannot read the key " + path + ": " + opensslError());
    }
    return Result<EvpKey>::success(std::move(key));
  }
  if (errno != ENOENT) {
    return Result<EvpKey>::fail("cannot read the key " + path + ": " + std::strerror(errno));
  }
  auto key = newAcmeKey();
  if (!key.ok()) {
    return key;
  }
  auto written = writeFileAtomically(path, privateKeyPem(key.value().get()), 0600);
  if (!written.ok()) {
    return Result<EvpKey>::fail(written.error());
  }
  return key;
}

Result<std::string> makeCsr(EVP_PKEY* key, const std::vector<std::string>& names) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), X509_REQ_free);
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  const bool made = request && !names.empty() && X509_REQ_set_version(request.get(), 0) == 1 &&
                    setCommonName(X509_REQ_get_subject_name(request.get()), names.front()) &&
                    addNames(extensions, nullptr, names) &&
                    X509_REQ_add_extensions(request.get(), extensions) == 1 &&
                    X509_REQ_set_pubkey(request.get(), key) == 1 &&
                    X509_REQ_sign(request.get(), key, EVP_sha256()) > 0;
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  unsigned char* der = nullptr;
  const int length = made ? i2d_X509_REQ(request.get(), &der) : -1;
  if (length <= 0) {
    return Result<std::string>::fail("cannot make the CSR: " + opensslError());
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return Result<std::string>::success(std::move(out));
}

Result<X509Ptr> makeSelfSigned(EVP_PKEY* key, const std::vector<std::string>& names, int days,
                               const std::string& acmeIdentifier) {
  X509Ptr cert(X509_new());
  unsigned char serial[16];
  bool ok = cert && !names.empty() && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            RAND_bytes(serial, sizeof(serial)) == 1;
  if (ok) {
    serial[0] &= 0x7f;  // positive
    BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
    ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(bn);
  }
  ok =
      ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400) != nullptr &&
      X509_set_pubkey(cert.get(), key) == 1 &&
      setCommonName(X509_get_subject_name(cert.get()), names.front()) &&
      X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1 &&
      addNames(nullptr, cert.get(), names);
  if (ok && !acmeIdentifier.empty()) {
    // id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31), critical: an OCTET STRING
    // holding the DER of an OCTET STRING with the digest.
    ASN1_OCTET_STRING* digest = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(digest, reinterpret_cast<const unsigned char*>(acmeIdentifier.data()),
                          static_cast<int>(acmeIdentifier.size()));
    unsigned char* inner = nullptr;
    const int innerLength = i2d_ASN1_OCTET_STRING(digest, &inner);
    ASN1_OCTET_STRING_free(digest);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, inner, innerLength);
    OPENSSL_free(inner);
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    X509_EXTENSION* extension = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
    ok = extension != nullptr && X509_add_ext(cert.get(), extension, -1) == 1;
    X509_EXTENSION_free(extension);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(value);
  }
  ok = ok && X509_sign(cert.get(), key, EVP_sha256()) > 0;
  if (!ok) {
    return Result<X509Ptr>::fail("cannot make a self-signed certificate: " + opensslError());
  }
  return Result<X509Ptr>::success(std::move(cert));
}

}  // namespace httpgate::gate
