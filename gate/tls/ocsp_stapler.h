// OCSP stapling: each certificate with `ocsp: auto` (and a responder named
// in it) or `ocsp: FILE` gets an OcspSlot, which the handshakes of its
// context read (the status_request callback: TLS 1.2 and 1.3 alike) and
// which holds only a response that passed every check of ocsp_response.h
// and has not expired.
//
// The OcspStapler refreshes the `auto` slots on a thread of its own: a
// response is fetched at once, then again halfway from its thisUpdate to
// its nextUpdate; a failed fetch keeps the last good response (until it
// expires) and is retried with a backoff; a revoked certificate is logged
// and nothing is stapled. A slot outlives reloads as long as the same file
// holds the same certificate; a `FILE` slot is read again at every load.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gate/config/config.h"
#include "gate/tls/ocsp_response.h"

namespace httpgate::gate {

class OcspSlot {
 public:
  struct Staple {
    std::string der;
    int64_t thisUpdate = 0;
    int64_t expires = 0;  // nextUpdate, or thisUpdate + 1 hour without one
  };
  // What the status page shows of a slot (any thread).
  struct Report {
    std::string mode;      // "auto" or "file"
    std::string status;    // "good", "revoked", "unknown", or "none" before any answer
    int64_t stapledUntil;  // 0: nothing stapled now
    std::string lastError;
    int64_t lastErrorAt = 0;
  };

  ~OcspSlot();
  OcspSlot(const OcspSlot&) = delete;
  OcspSlot& operator=(const OcspSlot&) = delete;

  // Any thread: the response to staple at `now` (Unix seconds), or null.
  std::shared_ptr<const Staple> current(int64_t now) const;
  Report report(int64_t now) const;

  // Installs this slot as `ctx`'s status_request callback; the caller
  // keeps the slot alive as long as the context.
  void attach(SSL_CTX* ctx);

 private:
  friend class OcspStapler;
  OcspSlot() = default;
  static int onStatusRequest(SSL* ssl, void* arg);
  // Records a check's outcome for report() (any thread).
  void note(const std::string& status, const std::string& error, int64_t now);

  std::string file_;  // the certificate file, for the log
  std::string label_;
  std::string fingerprint_;  // SHA-256 of the leaf, hex
  OcspMode mode_ = OcspMode::Auto;
  std::string url_;  // auto: the responder
  X509* leaf_ = nullptr;
  X509* issuer_ = nullptr;
  std::atomic<std::shared_ptr<const Staple>> staple_;

  mutable std::mutex reportMutex_;  // guards what report() reads below
  std::string status_ = "none";
  std::string lastError_;
  int64_t lastErrorAt_ = 0;

  // The stapler's thread only (set before the slot is shared).
  int64_t nextFetch_ = 0;
  int failures_ = 0;
};

class OcspStapler {
 public:
  OcspStapler() = default;
  ~OcspStapler();  // stops the thread
  OcspStapler(const OcspStapler&) = delete;
  OcspStapler& operator=(const OcspStapler&) = delete;

  // While a configuration's contexts are built: the slot for `cert`,
  // whose chain and key `ctx` holds, or null when nothing is to be stapled
  // (ocsp off; auto for a certificate that names no responder or whose
  // file holds no issuer: logged). FILE: the response is read and checked
  // now; one that fails is logged and not stapled.
  std::shared_ptr<OcspSlot> slotFor(const CertificateConfig& cert, SSL_CTX* ctx);

  // Starts fetching for the `auto` slots (idempotent).
  void start();

  // What the fetches brought, for /metrics (any thread).
  enum class Outcome : uint8_t { Good, Revoked, Unknown, Failed };
  static constexpr size_t kOutcomes = 4;
  uint64_t count(Outcome outcome) const {
    return outcomes_[static_cast<size_t>(outcome)].load(std::memory_order_relaxed);
  }

 private:
  void run();
  void refresh(OcspSlot& slot);
  // A fetch or a check failed: logged; the last good response stays.
  void failed(OcspSlot& slot, const std::string& why, int64_t now);
  void counted(Outcome outcome);

  std::mutex mutex_;  // guards slots_ and stopping_
  std::condition_variable wake_;
  std::vector<std::weak_ptr<OcspSlot>> slots_;
  bool stopping_ = false;
  std::thread thread_;
  std::array<std::atomic<uint64_t>, kOutcomes> outcomes_{};
};

}  // namespace httpgate::gate
