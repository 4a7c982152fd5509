// What an operator needs to know of each certificate the gate loaded: its
// file, names, issuer and notAfter, read from the X509 the TLS contexts
// hold (never from the file again, so it is what the gate serves). Used by
// the expiry metric, the start/reload log warnings, `httpgate -t` and the
// status page. Pure data and formatting, plus a small registry that hands
// the running snapshot's list to the admin thread.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace httpgate::gate {

class OcspSlot;

// Fewer whole days left than this: warned about in the log and marked by -t.
constexpr int64_t kCertificateWarningDays = 14;

struct CertificateInfo {
  std::string file;                // the cert: path as configured
  std::vector<std::string> names;  // subjectAltName DNS names (lower case), else the subject CN
  std::string issuer;              // the issuer's CN, else its whole name in one line
  time_t notAfter = 0;             // Unix time
  // Its OCSP stapling (ocsp_stapler.h), null when nothing is stapled.
  std::shared_ptr<const OcspSlot> ocsp;

  // What logs and metrics call it: the first name, else the file.
  const std::string& label() const { return names.empty() ? file : names.front(); }
};

using CertificateList = std::vector<CertificateInfo>;

// The DNS names `cert` is valid for: its subjectAltName DNS entries, else its
// subject CN; lower case, in the certificate's order. Empty when neither.
std::vector<std::string> certificateNames(X509* cert);

// The facts of `cert` (the leaf the gate presents), loaded from `file`.
CertificateInfo describeCertificate(X509* cert, std::string file);

// Whole days from `now` to `notAfter`, rounded down: 0 on the last day,
// negative once expired (-1 within the first day after notAfter).
int64_t daysLeft(time_t notAfter, time_t now);

// `time` as an ISO 8601 date in UTC: "2025-03-01".
std::string isoDate(time_t time);
// `time` as "2026-12-06 12:50:36 UTC".
std::string isoDateTime(time_t time);

// The SHA-256 of `cert` in lower-case hex: how the gate tells one
// certificate from another (OCSP slots, ACME storage).
std::string certificateFingerprint(X509* cert);

// The log warning for a certificate with fewer than kCertificateWarningDays
// left: "certificate FILE (NAME) expires in N days, on DATE", or for an
// expired one "certificate FILE (NAME) expired N days ago, on DATE"; "" when
// it has more days left.
std::string expiryWarning(const CertificateInfo& info, time_t now);

// The line `httpgate -t` prints: "certificate FILE: NAMES; issuer ISSUER;
// not after DATE (N days left)", with " -- EXPIRES SOON" under
// kCertificateWarningDays and " -- EXPIRED" once expired.
std::string certificateCheckLine(const CertificateInfo& info, time_t now);

// The certificate list of the running configuration, published by the
// main thread at start and on every reload, read by the admin thread.
class CertificateRegistry {
 public:
  void publish(std::shared_ptr<const CertificateList> list);
  // The published list, or null before the first publish (any thread).
  std::shared_ptr<const CertificateList> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const CertificateList> current_;
};

}  // namespace httpgate::gate
