// Let's Encrypt's test ACME server, Debian's `pebble`, for the ACME tests:
// its HTTPS certificate made by a test CA for "localhost" (the gate
// verifies it with tls.acme.ca), `pebble-challtestsrv` as its DNS server
// answering every name with 127.0.0.1 (and no IPv6), its validations sent
// to the gate's ports, random sleeps off, authorizations never reused (so
// that each order validates again), and, when asked, certificates valid for
// a few seconds only (renewals).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/certificates.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {

struct PebbleOptions {
  uint16_t httpPort = 0;       // where http-01 validations go (the gate's plain listener)
  uint16_t tlsPort = 0;        // where tls-alpn-01 validations go (its TLS listener)
  int validitySeconds = 0;     // 0: pebble's default (years)
  int nonceRejectPercent = 0;  // how many good nonces pebble refuses as bad
};

class Pebble {
 public:
  // Starts both programs and waits (up to 20 s) until the directory is
  // available; throws when they do not start.
  Pebble(const TempDir& dir, PebbleOptions options);
  ~Pebble();
  Pebble(const Pebble&) = delete;
  Pebble& operator=(const Pebble&) = delete;

  std::string directoryUrl() const;
  // The CA of pebble's HTTPS certificate: tls.acme.ca.
  const std::string& caPath() const { return ca_.certPath; }
  // Certificates pebble has issued since it started (its log's lines).
  size_t issued() const;
  std::string log() const;

 private:
  CertificateAuthority ca_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> dns_;
  std::unique_ptr<ChildProcess> pebble_;
};

}  // namespace httpgate::test
