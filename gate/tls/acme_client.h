// The ACME protocol (RFC 8555) from the client's side, synchronous, for
// the gate's ACME thread: the directory, nonces (a badNonce answer is
// retried with the fresh nonce it carries), the account (made or found for
// the account key), an order for names, its authorizations answered by
// http-01 or tls-alpn-01 through an AcmeResponder, the finalization with a
// CSR, and the certificate chain. HTTP is libcurl's (http_fetch), JSON
// nlohmann's, signatures OpenSSL's (jws).
#pragma once

#include <openssl/evp.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "gate/config/config.h"
#include "gate/tls/http_fetch.h"

namespace httpgate::gate {

// Where the client puts the answers to challenges while the server checks
// them, and takes them away afterwards (the gate's listeners read them).
class AcmeResponder {
 public:
  // http-01: GET /.well-known/acme-challenge/`token` answers `keyAuthorization`.
  virtual void offerHttp01(const std::string& token, const std::string& keyAuthorization) = 0;
  // tls-alpn-01: a handshake for `name` with ALPN acme-tls/1 gets the
  // certificate for `keyAuthorization` (RFC 8737).
  virtual void offerTlsAlpn01(const std::string& name, const std::string& keyAuthorization) = 0;
  virtual void withdraw(const std::string& tokenOrName) = 0;

 protected:
  ~AcmeResponder() = default;
};

class AcmeClient {
 public:
  // `accountKey` and `cancel` outlive the client; once `cancel` is true
  // every step fails at once (the gate is stopping).
  AcmeClient(std::string directoryUrl, std::string caFile, EVP_PKEY* accountKey, std::string email,
             const std::atomic<bool>* cancel);

  // Orders a certificate for `names` with the DER `csr`, answering the
  // challenges of `kind` (Auto: Http01) through `responder`; the PEM chain,
  // or what went wrong (with the server's problem detail when it sent one).
  Result<std::string> order(const std::vector<std::string>& names, const std::string& csr,
                            AcmeChallenge kind, AcmeResponder& responder);

 private:
  Result<bool> loadDirectory();
  Result<bool> ensureAccount();
  // A signed POST to `url` (`payload` empty: POST-as-GET); retried once
  // on badNonce.
  Result<HttpFetchResponse> post(const std::string& url, const std::string& payload);
  Result<std::string> freshNonce();
  // Polls `url` (POST-as-GET) until its status is neither pending nor
  // processing, at most `seconds` long; the last object.
  Result<nlohmann::json> pollUntilSettled(const std::string& url, int seconds);
  Result<bool> authorize(const std::string& url, AcmeChallenge kind, AcmeResponder& responder);

  std::string directoryUrl_;
  std::string caFile_;
  EVP_PKEY* key_;
  std::string email_;
  nlohmann::json directory_;
  std::string nonce_;
  std::string kid_;  // the account URL
  const std::atomic<bool>* cancel_;
  // A request to `url` with the client's CA file, timeout and cancel flag.
  HttpFetchRequest request(const std::string& method, const std::string& url) const;
};

// "urn:ietf:params:acme:error:badNonce: detail" from a problem document,
// or the HTTP status and body when it is not one.
std::string acmeProblem(const HttpFetchResponse& response);

}  // namespace httpgate::gate
