#include "bench/client/tls_setup.h"

#include <openssl/err.h>

#include <atomic>

namespace httpgate::bench {
namespace {

std::atomic<uint64_t> tickets{0};

// OpenSSL calls this for every session ticket; returning 0 leaves the
// session to OpenSSL, which frees it.
int countTicket(SSL* /*ssl*/, SSL_SESSION* /*session*/) {
  tickets.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

}  // namespace

std::string takeOpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    text += text.empty() ? "" : "; ";
    text += line;
  }
  return text;
}

SSL_CTX* makeClientContext(const std::string& groups, std::string& error) {
  ERR_clear_error();
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) {
    error = "SSL_CTX_new: " + takeOpenSslErrors();
    return nullptr;
  }
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // The client cache only exists so the new-session callback sees tickets;
  // nothing is stored and no session is offered again.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(context, countTicket);
  if (SSL_CTX_set1_groups_list(context, groups.c_str()) != 1) {
    error = "bad --groups " + groups + ": " + takeOpenSslErrors();
    SSL_CTX_free(context);
    return nullptr;
  }
  return context;
}

uint64_t ticketsReceived() {
  return tickets.load(std::memory_order_relaxed);
}

}  // namespace httpgate::bench
