#include "tests/support/ocsp_responses.h"

#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace httpgate::test {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BasicPtr = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP, OCSP_BASICRESP_free>>;
using ResponsePtr = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE, OCSP_RESPONSE_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;

KeyPtr privateKey(const std::string& path) {
  FILE* in = std::fopen(path.c_str(), "r");
  KeyPtr key(in != nullptr ? PEM_read_PrivateKey(in, nullptr, nullptr, nullptr) : nullptr);
  if (in != nullptr) {
    std::fclose(in);
  }
  if (!key) {
    throw std::runtime_error("ocsp: cannot read the key " + path);
  }
  return key;
}

}  // namespace

OwnedCertificate certificateOrThrow(const std::string& path) {
  OwnedCertificate cert(readCertificate(path));
  if (!cert) {
    throw std::runtime_error("ocsp: cannot read " + path);
  }
  return cert;
}

std::string makeOcspResponse(const CertificateAuthority& issuer, const std::string& certPath,
                             const CertificateAuthority& signer, OcspResponseSpec spec) {
  OwnedCertificate leaf = certificateOrThrow(certPath);
  OwnedCertificate issuerCert = certificateOrThrow(issuer.certPath);
  OwnedCertificate signerCert = certificateOrThrow(signer.certPath);
  KeyPtr key = privateKey(signer.keyPath);
  BasicPtr basic(OCSP_BASICRESP_new());
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, leaf.get(), issuerCert.get());
  TimePtr thisUpdate(X509_gmtime_adj(nullptr, spec.thisUpdateOffset));
  TimePtr nextUpdate(X509_gmtime_adj(nullptr, spec.nextUpdateOffset));
  TimePtr revokedAt(X509_gmtime_adj(nullptr, spec.thisUpdateOffset - 600));
  const bool made =
      OCSP_basic_add1_status(basic.get(), id,
                             spec.revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD,
                             spec.revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0,
                             spec.revoked ? revokedAt.get() : nullptr, thisUpdate.get(),
                             nextUpdate.get()) != nullptr &&
      OCSP_basic_sign(basic.get(), signerCert.get(), key.get(), EVP_sha256(), nullptr, 0) == 1;
  OCSP_CERTID_free(id);
  ResponsePtr response(made ? OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get())
                            : nullptr);
  unsigned char* der = nullptr;
  const int length = response ? i2d_OCSP_RESPONSE(response.get(), &der) : -1;
  if (length <= 0) {
    throw std::runtime_error("ocsp: cannot make a response for " + certPath);
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

void writeOcspResponse(const CertificateAuthority& ca, const std::string& certPath,
                       long thisUpdateOffset, long nextUpdateOffset, const std::string& outPath) {
  const std::string der =
      makeOcspResponse(ca, certPath, ca, OcspResponseSpec{thisUpdateOffset, nextUpdateOffset});
  std::ofstream out(outPath, std::ios::binary | std::ios::trunc);
  out << der;
  if (!out) {
    throw std::runtime_error("ocsp: cannot write " + outPath);
  }
}

}  // namespace httpgate::test
