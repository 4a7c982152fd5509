// OCSP for the stapling tests: `openssl ocsp` as the responder of a test
// CA (its index file says which certificates are good and which revoked),
// a response fetched from it into a file (for `ocsp: FILE`), one made here
// with any times (an expired one, which no responder would make), and
// `openssl s_client -status` to see what a handshake staples.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/certificates.h"
#include "tests/support/child_process.h"
#include "tests/support/ocsp_responses.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {

class OcspResponder {
 public:
  // A responder for `ca` on 127.0.0.1:`port` (not started); its responses
  // are valid for `minutes` (nextUpdate).
  OcspResponder(const TempDir& dir, const CertificateAuthority& ca, uint16_t port,
                int minutes = 60);

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  uint16_t port() const { return port_; }

  // Adds the leaf of `certPath` to the index as good or as revoked.
  void addGood(const std::string& certPath);
  void addRevoked(const std::string& certPath);

  // Starts `openssl ocsp` and waits (up to 10 s) until it accepts
  // connections; throws when it does not.
  void start();
  // Kills it.
  void stop();
  // Requests it has logged answering (its stderr/stdout lines).
  std::string log() const;

 private:
  void add(const std::string& certPath, bool revoked);

  const TempDir& dir_;
  CertificateAuthority ca_;
  uint16_t port_;
  int minutes_;
  std::string index_;
  std::unique_ptr<ChildProcess> process_;
};

// The DER response of `responderUrl` for the leaf of `certPath` (issued by
// `ca`), fetched with `openssl ocsp` into `outPath`. Throws on failure.
void fetchOcspResponse(const CertificateAuthority& ca, const std::string& certPath,
                       const std::string& responderUrl, const std::string& outPath);

// What `openssl s_client -status` saw of the staple in a handshake with
// 127.0.0.1:`port` for `serverName`: its output from "OCSP response:" on.
struct StapleSeen {
  bool stapled = false;    // a response was sent
  std::string certStatus;  // "good", "revoked", ... ("" when none)
  std::string output;
};
StapleSeen stapleSeen(uint16_t port, const std::string& serverName, bool tls12 = false);

}  // namespace httpgate::test
