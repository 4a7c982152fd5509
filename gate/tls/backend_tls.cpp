#include "gate/tls/backend_tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <mutex>

#include "gate/tls/openssl_error.h"

namespace httpgate::gate {
namespace {

// The host's newest session, shared by every worker: a new connection
// offers it, and a handshake that makes a new one (TLS 1.2 at its end,
// TLS 1.3 with each ticket after it) replaces it. The lock is taken once
// per new connection and once per new session, never per request.
struct SessionStore {
  std::mutex mutex;
  SSL_SESSION* session = nullptr;  // owned

  ~SessionStore() { SSL_SESSION_free(session); }
};

// The store lives in the SSL_CTX's ex_data and is freed with the context,
// which every SSL keeps alive: a ticket that arrives on a pooled
// connection after a reload dropped the snapshot still finds its store.
void freeStore(void*, void* store, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<SessionStore*>(store);
}

int storeIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, freeStore);
  return index;
}

SessionStore* storeOf(SSL_CTX* ctx) {
  return static_cast<SessionStore*>(SSL_CTX_get_ex_data(ctx, storeIndex()));
}

// OpenSSL's new-session callback: keeps `session` (returning 1 takes over
// the reference OpenSSL passes) in place of the previous one.
int onNewSession(SSL* ssl, SSL_SESSION* session) {
  SessionStore* store = storeOf(SSL_get_SSL_CTX(ssl));
  if (store == nullptr) {
    return 0;
  }
  std::lock_guard lock(store->mutex);
  SSL_SESSION_free(store->session);
  store->session = session;
  return 1;
}

bool isIpv4Literal(const std::string& name) {
  in_addr address{};
  return inet_pton(AF_INET, name.c_str(), &address) == 1;
}

// FNV-1a over the fields, each ended by a NUL.
uint32_t hashFields(std::initializer_list<const std::string*> fields) {
  uint32_t hash = 2166136261u;
  for (const std::string* field : fields) {
    for (const char c : *field) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    }
    hash = (hash ^ 0u) * 16777619u;
  }
  return hash;
}

}  // namespace

BackendTlsContext::~BackendTlsContext() {
  SSL_CTX_free(ctx_);
}

uint32_t BackendTlsContext::idOf(const HostTlsConfig& tls, const std::string& hostName) {
  const uint32_t hash =
      hashFields({&hostName, &tls.caFile, &tls.serverName, &tls.certFile, &tls.keyFile});
  return hash == 0 ? 1 : hash;  // 0 is a plain connection's
}

Result<std::shared_ptr<BackendTlsContext>> BackendTlsContext::create(const HostTlsConfig& tls,
                                                                     const std::string& hostName,
                                                                     const std::string& configFile,
                                                                     const std::string& key) {
  using Made = Result<std::shared_ptr<BackendTlsContext>>;
  std::shared_ptr<BackendTlsContext> context(new BackendTlsContext());
  context->serverName_ = tls.serverName;
  context->id_ = idOf(tls, hostName);
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return Made::fail(formatConfigError(configFile, tls.pos, key, opensslError()));
  }
  context->ctx_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // IGNORE_UNEXPECTED_EOF: a host's FIN without close_notify reads as the
  // end of its side, as the transport expects (net/transport.h).
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_read_ahead(ctx, 1);
  // The host must prove who it is: a chain to `ca`, and server_name
  // (newConnection) in its certificate.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, tls.caFile.c_str(), nullptr) != 1) {
    return Made::fail(formatConfigError(
        configFile, tls.pos, key + ".ca",
        "cannot load CA certificates from \"" + tls.caFile + "\": " + opensslError()));
  }
  if (!tls.certFile.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.certFile.c_str()) != 1) {
      return Made::fail(formatConfigError(
          configFile, tls.pos, key + ".cert",
          "cannot load client certificate from \"" + tls.certFile + "\": " + opensslError()));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, tls.keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Made::fail(formatConfigError(
          configFile, tls.pos, key + ".key",
          "cannot load private key from \"" + tls.keyFile + "\": " + opensslError()));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return Made::fail(formatConfigError(
          configFile, tls.pos, key + ".key",
          "\"" + tls.keyFile + "\" does not match \"" + tls.certFile + "\": " + opensslError()));
    }
    context->clientCertificate_ = describeCertificate(SSL_CTX_get0_certificate(ctx), tls.certFile);
  }
  // Client-side caching without OpenSSL's internal store: the callback
  // keeps the newest session itself (SessionStore).
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, onNewSession);
  auto* store = new SessionStore();
  if (SSL_CTX_set_ex_data(ctx, storeIndex(), store) != 1) {
    delete store;
    return Made::fail(formatConfigError(configFile, tls.pos, key, opensslError()));
  }
  return Made::success(std::move(context));
}

SSL* BackendTlsContext::newConnection(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    return nullptr;
  }
  bool ok = SSL_set_fd(ssl, fd) == 1;
  if (isIpv4Literal(serverName_)) {
    // An address is checked against the certificate's IP entries and is
    // never sent as SNI (RFC 6066, 3).
    ok = ok && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName_.c_str()) == 1;
  } else {
    ok = ok && SSL_set_tlsext_host_name(ssl, serverName_.c_str()) == 1 &&
         SSL_set1_host(ssl, serverName_.c_str()) == 1;
  }
  if (!ok) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_connect_state(ssl);
  if (SessionStore* store = storeOf(ctx_); store != nullptr) {
    std::lock_guard lock(store->mutex);
    if (store->session != nullptr && SSL_SESSION_is_resumable(store->session) == 1) {
      SSL_set_session(ssl, store->session);  // takes its own reference
    }
  }
  return ssl;
}

std::string backendTlsFailure(SSL* ssl, bool eof, int savedErrno) {
  std::string why;
  const long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) {
    why = "certificate verification failed: ";
    why += X509_verify_cert_error_string(verify);
  } else if (const unsigned long code = ERR_peek_error(); code != 0) {
    const char* reason = ERR_reason_error_string(code);
    why = reason != nullptr ? reason : opensslError();
  } else if (eof) {
    why = "the host closed the connection during the handshake";
  } else {
    why = savedErrno != 0 ? std::strerror(savedErrno) : "the connection failed";
  }
  ERR_clear_error();
  return why;
}

}  // namespace httpgate::gate
