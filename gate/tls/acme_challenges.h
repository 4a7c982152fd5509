// The answers to ACME challenges while a server checks them, shared by the
// ACME thread (which offers and withdraws them) and the workers (which
// serve them): http-01 key authorizations by token, served on
// /.well-known/acme-challenge/ before any redirect or route; tls-alpn-01
// contexts by name, chosen in a handshake whose client offers ALPN
// acme-tls/1 alone (RFC 8737). A small mutex: asked only for such
// requests and handshakes, which are rare.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "gate/tls/acme_client.h"

namespace httpgate::gate {

class AcmeChallenges final : public AcmeResponder {
 public:
  ~AcmeChallenges();

  void offerHttp01(const std::string& token, const std::string& keyAuthorization) override;
  void offerTlsAlpn01(const std::string& name, const std::string& keyAuthorization) override;
  void withdraw(const std::string& tokenOrName) override;

  // The key authorization for `token`, if it is being offered.
  std::optional<std::string> http01(std::string_view token) const;
  // The context (its own reference, SSL_CTX_free it) with the challenge
  // certificate for `name`, or null.
  SSL_CTX* tlsAlpn01(std::string_view name) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> http01_;
  std::map<std::string, SSL_CTX*, std::less<>> tlsAlpn01_;
};

// The process's registry.
AcmeChallenges& acmeChallenges();

// "/.well-known/acme-challenge/": the path prefix of http-01.
constexpr std::string_view kAcmeChallengePath = "/.well-known/acme-challenge/";

// Installs, on a listener's default context `ctx`, the client-hello
// callback that switches a handshake offering only ALPN acme-tls/1 for a
// name with a challenge on offer to that challenge's context.
void answerTlsAlpn01On(SSL_CTX* ctx);

}  // namespace httpgate::gate
