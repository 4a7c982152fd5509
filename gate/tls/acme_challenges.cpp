#include "gate/tls/acme_challenges.h"

#include <openssl/sha.h>
#include <openssl/tls1.h>
#include <spdlog/spdlog.h>

#include "common/http/chars.h"
#include "gate/tls/acme_material.h"

namespace httpgate::gate {
namespace {

constexpr unsigned char kAcmeTls1[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};

// The challenge context negotiates acme-tls/1 and nothing else.
int selectAcmeTls1(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                   unsigned int inlen, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kAcmeTls1, sizeof(kAcmeTls1), in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// Whether the ClientHello's ALPN extension offers acme-tls/1 and only it
// (RFC 8737 3: the validation server offers only that).
bool offersOnlyAcmeTls1(SSL* ssl) {
  const unsigned char* data = nullptr;
  size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data,
                                &length) != 1 ||
      length < 2) {
    return false;
  }
  const size_t listLength = (static_cast<size_t>(data[0]) << 8) | data[1];
  return listLength + 2 == length && listLength == sizeof(kAcmeTls1) &&
         std::equal(data + 2, data + length, kAcmeTls1);
}

// The server name of the ClientHello (the SNI callback has not run yet).
std::string serverNameOf(SSL* ssl) {
  const unsigned char* data = nullptr;
  size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) != 1 || length < 5) {
    return {};
  }
  // server_name_list length (2), name_type (1: host_name = 0), length (2), name
  if (data[2] != TLSEXT_NAMETYPE_host_name) {
    return {};
  }
  const size_t nameLength = (static_cast<size_t>(data[3]) << 8) | data[4];
  if (5 + nameLength > length) {
    return {};
  }
  return http::asciiLower(std::string_view(reinterpret_cast<const char*>(data + 5), nameLength));
}

int onClientHello(SSL* ssl, int*, void*) {
  if (!offersOnlyAcmeTls1(ssl)) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  SSL_CTX* challenge = acmeChallenges().tlsAlpn01(serverNameOf(ssl));
  if (challenge == nullptr) {
    return SSL_CLIENT_HELLO_SUCCESS;  // nothing on offer: refused by ALPN later
  }
  SSL_set_SSL_CTX(ssl, challenge);
  SSL_CTX_free(challenge);  // the SSL holds its own reference now
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace

AcmeChallenges::~AcmeChallenges() {
  for (auto& [name, ctx] : tlsAlpn01_) {
    SSL_CTX_free(ctx);
  }
}

AcmeChallenges& acmeChallenges() {
  static AcmeChallenges challenges;
  return challenges;
}

void AcmeChallenges::offerHttp01(const std::string& token, const std::string& keyAuthorization) {
  std::lock_guard lock(mutex_);
  http01_[token] = keyAuthorization;
}

void AcmeChallenges::offerTlsAlpn01(const std::string& name, const std::string& keyAuthorization) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(keyAuthorization.data()), keyAuthorization.size(),
         digest);
  auto key = newAcmeKey();
  auto cert = key.ok()
                  ? makeSelfSigned(key.value().get(), {name}, 7,
                                   std::string(reinterpret_cast<char*>(digest), sizeof(digest)))
                  : Result<X509Ptr>::fail(key.error());
  SSL_CTX* ctx = cert.ok() ? SSL_CTX_new(TLS_server_method()) : nullptr;
  if (ctx == nullptr || SSL_CTX_use_certificate(ctx, cert.value().get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.value().get()) != 1) {
    spdlog::error("ACME: cannot make the tls-alpn-01 certificate for {}: {}", name,
                  cert.ok() ? "OpenSSL refused it" : cert.error());
    SSL_CTX_free(ctx);
    return;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(ctx, selectAcmeTls1, nullptr);
  std::lock_guard lock(mutex_);
  if (auto it = tlsAlpn01_.find(name); it != tlsAlpn01_.end()) {
    SSL_CTX_free(it->second);
  }
  tlsAlpn01_[name] = ctx;
}

void AcmeChallenges::withdraw(const std::string& tokenOrName) {
  std::lock_guard lock(mutex_);
  http01_.erase(tokenOrName);
  if (auto it = tlsAlpn01_.find(tokenOrName); it != tlsAlpn01_.end()) {
    SSL_CTX_free(it->second);
    tlsAlpn01_.erase(it);
  }
}

std::optional<std::string> AcmeChallenges::http01(std::string_view token) const {
  std::lock_guard lock(mutex_);
  const auto it = http01_.find(token);
  if (it == http01_.end()) {
    return std::nullopt;
  }
  return it->second;
}

SSL_CTX* AcmeChallenges::tlsAlpn01(std::string_view name) const {
  std::lock_guard lock(mutex_);
  const auto it = tlsAlpn01_.find(name);
  if (it == tlsAlpn01_.end()) {
    return nullptr;
  }
  SSL_CTX_up_ref(it->second);
  return it->second;
}

void answerTlsAlpn01On(SSL_CTX* ctx) {
  SSL_CTX_set_client_hello_cb(ctx, onClientHello, nullptr);
}

}  // namespace httpgate::gate
