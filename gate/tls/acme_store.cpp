#include "gate/tls/acme_store.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "gate/tls/acme_material.h"
#include "gate/tls/certificate_info.h"

namespace httpgate::gate {
std::string acmeDirectoryOf(const AcmeConfig& acme) {
  return acme.storage + "/" + acme.names.front();
}

std::string acmeCertificatePath(const AcmeConfig& acme) {
  return acmeDirectoryOf(acme) + "/certificate.pem";
}

std::string acmeAccountKeyPath(const AcmeConfig& acme) {
  return acme.storage + "/account.key";
}

std::string acmeLockPath(const AcmeConfig& acme) {
  return acmeDirectoryOf(acme) + "/lock";
}

std::optional<StoredCertificate> readStoredCertificate(const AcmeConfig& acme) {
  FILE* in = std::fopen(acmeCertificatePath(acme).c_str(), "r");
  if (in == nullptr) {
    return std::nullopt;
  }
  // The key first, then the leaf: both must be there.
  EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
  X509* leaf = key != nullptr ? PEM_read_X509(in, nullptr, nullptr, nullptr) : nullptr;
  std::fclose(in);
  std::optional<StoredCertificate> stored;
  if (key != nullptr && leaf != nullptr && X509_check_private_key(leaf, key) == 1) {
    stored = StoredCertificate{};
    stored->notAfter = static_cast<int64_t>(describeCertificate(leaf, "").notAfter);
    stored->names = certificateNames(leaf);
    stored->fingerprint = certificateFingerprint(leaf);
  }
  ERR_clear_error();
  X509_free(leaf);
  EVP_PKEY_free(key);
  return stored;
}

bool coversNames(const StoredCertificate& stored, const AcmeConfig& acme) {
  return std::all_of(acme.names.begin(), acme.names.end(), [&](const std::string& name) {
    return std::find(stored.names.begin(), stored.names.end(), name) != stored.names.end();
  });
}

AcmeStandIn acmeStandIn(const AcmeConfig& acme) {
  static std::mutex mutex;
  static std::map<std::vector<std::string>, AcmeStandIn> made;
  std::lock_guard lock(mutex);
  auto it = made.find(acme.names);
  if (it != made.end()) {
    return it->second;
  }
  AcmeStandIn standIn;
  auto key = newAcmeKey();
  if (key.ok()) {
    auto cert = makeSelfSigned(key.value().get(), acme.names, 7);
    if (cert.ok()) {
      standIn.cert = cert.value().release();
      standIn.key = key.value().release();
    }
  }
  made[acme.names] = standIn;
  return standIn;
}

}  // namespace httpgate::gate
