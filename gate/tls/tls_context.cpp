#include "gate/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/http/chars.h"
#include "common/result.h"
#include "gate/tls/acme_challenges.h"
#include "gate/tls/acme_store.h"
#include "gate/tls/certificate_info.h"
#include "gate/tls/openssl_error.h"

namespace httpgate::gate {
namespace {

// TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AEAD ciphers only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr unsigned char kSessionIdContext[] = "httpgate";

// The protocols a listener offers, in the wire format of ALPN and in the
// server's order of preference.
struct AlpnOffer {
  const unsigned char* list;
  unsigned int length;
};
constexpr unsigned char kH2AndHttp11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr AlpnOffer kOfferH2{kH2AndHttp11, sizeof(kH2AndHttp11)};
constexpr AlpnOffer kOfferHttp11{kHttp11, sizeof(kHttp11)};

// The first protocol of the listener's offer that the client offers too.
int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* offer = static_cast<const AlpnOffer*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, offer->list, offer->length, in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  // A client that offers nothing the listener speaks still gets HTTP/1.1,
  // without ALPN.
  return SSL_TLSEXT_ERR_NOACK;
}

// A new server context with the gate's protocol settings and no
// certificate yet; the caller owns it (SSL_CTX_free).
Result<SSL_CTX*> newContext(const TlsConfig& tls, bool http2,
                            const std::shared_ptr<TicketKeySource>& ticketKeys) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    return Result<SSL_CTX*>::fail(opensslError());
  }
  SSL_CTX_set_min_proto_version(ctx, tls.tls12 ? TLS1_2_VERSION : TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx, tls.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF |
                               SSL_OP_SINGLE_ECDH_USE);
  // Partial and moving writes let the connection write from its buffers as
  // they are; RELEASE_BUFFERS frees OpenSSL's 16 KiB+ record buffers while a
  // connection is idle, which is most of the memory of an idle connection.
  // NO_AUTO_CHAIN: the configured file holds the chain to send; without it
  // OpenSSL would search its certificate store for one on every handshake.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    std::string error = opensslError();
    SSL_CTX_free(ctx);
    return Result<SSL_CTX*>::fail(std::move(error));
  }
  // Read-ahead lets one recv() take a whole record (and what follows it)
  // instead of a 5-byte header read and then the rest.
  SSL_CTX_set_read_ahead(ctx, 1);
  // Resumption by session tickets only (TLS 1.2 and 1.3): a server-side
  // cache would keep a session in memory for every new connection.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // One TLS 1.3 ticket per handshake (OpenSSL sends two by default): a client
  // resumes with one, and each ticket costs an encryption and a record.
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_timeout(ctx, 3600);
  // The gate's ticket keys instead of the random ones OpenSSL makes per
  // context, which a reload (new contexts) and every other gate would not
  // know.
  if (!useTicketKeys(ctx, ticketKeys)) {
    SSL_CTX_free(ctx);
    return Result<SSL_CTX*>::fail("cannot install the session ticket keys");
  }
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  SSL_CTX_set_alpn_select_cb(ctx, selectAlpn,
                             const_cast<AlpnOffer*>(http2 ? &kOfferH2 : &kOfferHttp11));
  return Result<SSL_CTX*>::success(ctx);
}

}  // namespace

TlsContextSet::~TlsContextSet() {
  for (Entry& entry : entries_) {
    SSL_CTX_free(entry.ctx);
  }
}

Result<std::shared_ptr<TlsContextSet>> TlsContextSet::create(
    const TlsConfig& tls, bool http2, const std::shared_ptr<TicketKeySource>& ticketKeys,
    const std::string& configFile, size_t listenerIndex, OcspStapler* stapler) {
  using Made = Result<std::shared_ptr<TlsContextSet>>;
  std::shared_ptr<TlsContextSet> set(new TlsContextSet());
  const std::string listenerKey = "listen[" + std::to_string(listenerIndex) + "].tls";
  const auto context = [&]() -> Result<SSL_CTX*> {
    auto made = newContext(tls, http2, ticketKeys);
    if (!made.ok()) {
      return Result<SSL_CTX*>::fail(
          formatConfigError(configFile, tls.protocolsPos, listenerKey, made.error()));
    }
    set->entries_.push_back(Entry{made.value(), {}, nullptr});  // freed by the set from here on
    return made;
  };
  if (tls.acme) {
    auto ctx = context();
    if (!ctx.ok()) {
      return Made::fail(ctx.error());
    }
    set->useAcmeCertificate(*tls.acme, stapler);
  }
  for (size_t i = 0; i < tls.certificates.size(); ++i) {
    auto ctx = context();
    if (!ctx.ok()) {
      return Made::fail(ctx.error());
    }
    const std::string key = listenerKey + ".certificates[" + std::to_string(i) + "]";
    if (std::string error = set->useCertificate(tls.certificates[i], configFile, key, stapler);
        !error.empty()) {
      return Made::fail(std::move(error));
    }
  }
  SSL_CTX* first = set->entries_.front().ctx;
  if (set->entries_.size() > 1) {
    SSL_CTX_set_tlsext_servername_callback(first, onServerName);
    SSL_CTX_set_tlsext_servername_arg(first, set.get());
  }
  if (tls.acme) {
    answerTlsAlpn01On(first);
  }
  return Made::success(std::move(set));
}

// The last entry's context gets `cert`'s chain and key; "" or the error.
std::string TlsContextSet::useCertificate(const CertificateConfig& cert,
                                          const std::string& configFile, const std::string& key,
                                          OcspStapler* stapler) {
  Entry& entry = entries_.back();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(entry.ctx, cert.certFile.c_str()) != 1) {
    return formatConfigError(
        configFile, cert.certPos, key + ".cert",
        "cannot load certificate chain from \"" + cert.certFile + "\": " + opensslError());
  }
  if (SSL_CTX_use_PrivateKey_file(entry.ctx, cert.keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::string error = opensslError();
    if (error.find("key values mismatch") != std::string::npos) {
      return formatConfigError(configFile, cert.keyPos, key + ".key",
                               "private key does not match the certificate");
    }
    return formatConfigError(configFile, cert.keyPos, key + ".key",
                             "cannot load private key from \"" + cert.keyFile + "\": " + error);
  }
  if (SSL_CTX_check_private_key(entry.ctx) != 1) {
    ERR_clear_error();
    return formatConfigError(configFile, cert.keyPos, key + ".key",
                             "private key does not match the certificate");
  }
  describe(cert, stapler);
  return {};
}

// The last entry's context gets the certificate ACME stored for `acme`,
// else the self-signed stand-in: never an error, since the ACME thread
// will (again) try to obtain one.
void TlsContextSet::useAcmeCertificate(const AcmeConfig& acme, OcspStapler* stapler) {
  Entry& entry = entries_.back();
  const std::string path = acmeCertificatePath(acme);
  ERR_clear_error();
  if (::access(path.c_str(), R_OK) == 0) {
    if (SSL_CTX_use_certificate_chain_file(entry.ctx, path.c_str()) == 1 &&
        SSL_CTX_use_PrivateKey_file(entry.ctx, path.c_str(), SSL_FILETYPE_PEM) == 1 &&
        SSL_CTX_check_private_key(entry.ctx) == 1) {
      CertificateConfig stored;
      stored.certFile = path;
      stored.keyFile = path;
      describe(stored, stapler);
      return;
    }
    spdlog::warn("ACME certificate {} cannot be used ({}): serving a self-signed one for now", path,
                 opensslError());
  }
  const AcmeStandIn standIn = acmeStandIn(acme);
  if (standIn.cert != nullptr) {
    SSL_CTX_use_certificate(entry.ctx, standIn.cert);
    SSL_CTX_use_PrivateKey(entry.ctx, standIn.key);
  }
  ERR_clear_error();
  CertificateConfig selfSigned;
  selfSigned.certFile = "(self-signed until ACME) " + path;
  selfSigned.ocsp = OcspMode::Off;
  describe(selfSigned, nullptr);
}

// Records the last entry's names and description, and its OCSP slot.
void TlsContextSet::describe(const CertificateConfig& cert, OcspStapler* stapler) {
  Entry& entry = entries_.back();
  X509* leaf = SSL_CTX_get0_certificate(entry.ctx);
  entry.names = certificateNames(leaf);
  CertificateInfo info = describeCertificate(leaf, cert.certFile);
  if (stapler != nullptr && leaf != nullptr) {
    entry.ocsp = stapler->slotFor(cert, entry.ctx);
    if (entry.ocsp) {
      entry.ocsp->attach(entry.ctx);
      info.ocsp = entry.ocsp;
    }
  }
  certificates_.push_back(std::move(info));
}

SSL* TlsContextSet::newConnection(int fd) const {
  SSL* ssl = SSL_new(entries_.front().ctx);
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_set_fd(ssl, fd) != 1) {
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

SSL_CTX* TlsContextSet::select(std::string_view host) const {
  std::string name = http::asciiLower(host);
  for (const Entry& entry : entries_) {
    for (const std::string& candidate : entry.names) {
      if (candidate == name) {
        return entry.ctx;
      }
    }
  }
  // A wildcard covers exactly one label: "*.example.org" matches
  // "a.example.org", not "example.org" nor "a.b.example.org".
  size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0) {
    std::string wildcard = "*" + name.substr(dot);
    for (const Entry& entry : entries_) {
      for (const std::string& candidate : entry.names) {
        if (candidate == wildcard) {
          return entry.ctx;
        }
      }
    }
  }
  return nullptr;
}

int TlsContextSet::onServerName(SSL* ssl, int*, void* arg) {
  const char* host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (host == nullptr) {
    return SSL_TLSEXT_ERR_NOACK;  // no SNI: the default certificate
  }
  const auto* set = static_cast<const TlsContextSet*>(arg);
  if (SSL_get_SSL_CTX(ssl) != set->entries_.front().ctx) {
    return SSL_TLSEXT_ERR_OK;  // a tls-alpn-01 challenge's context, chosen before
  }
  SSL_CTX* ctx = set->select(host);
  if (ctx != nullptr && ctx != SSL_get_SSL_CTX(ssl)) {
    SSL_set_SSL_CTX(ssl, ctx);
  }
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace httpgate::gate
