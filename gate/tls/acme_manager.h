// Certificates that look after themselves: one thread that, for each
// tls.acme of the running configuration, obtains a certificate when the
// storage has none (or one without all the names), renews it renew_before
// its notAfter, and takes up one another gate sharing the storage stored.
// An order runs under the storage's lock (fcntl, as app starts lock their
// log), so gates that share it order once; the others wait and load what
// it stored. A new certificate is swapped in as a reload does (the
// `refresh` callback asks the main thread to rebuild the TLS contexts), so
// no connection is dropped. A failed order is logged, counted and tried
// again with a backoff (1 minute doubling to 6 hours); the certificate in
// use keeps serving meanwhile.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate {

class AcmeManager {
 public:
  // What the status page and /metrics show of one tls.acme.
  struct Report {
    std::vector<std::string> names;
    std::string state;  // "valid", "ordering", "waiting" (another gate orders), "failed"
    int64_t notAfter = 0;
    int64_t lastOrderAt = 0;
    std::string lastError;
    int64_t nextCheckAt = 0;
  };

  // `refresh` runs on the manager's thread when a new certificate is in the
  // storage; it must hand the work to the main thread.
  explicit AcmeManager(std::function<void()> refresh);
  ~AcmeManager();
  AcmeManager(const AcmeManager&) = delete;
  AcmeManager& operator=(const AcmeManager&) = delete;

  // Main thread, at start and after each reload: the tls.acme entries of
  // `config` (with whether it has a plain listener, for challenge: auto).
  void configure(const Config& config);
  // Starts the thread (idempotent).
  void start();

  std::vector<Report> report() const;
  uint64_t ordersOk() const;
  uint64_t ordersFailed() const;

 private:
  struct Entry {
    AcmeConfig acme;
    AcmeChallenge challenge = AcmeChallenge::Http01;  // Auto resolved
    Report report;
    std::string served;  // fingerprint of the stored certificate last swapped in
    int failures = 0;
  };

  void run();
  // One look at `entry`: order, take up a stored certificate, or nothing;
  // sets its next check. Called without the mutex.
  void check(Entry& entry);
  bool order(Entry& entry, int64_t now);
  std::string placeOrder(const Entry& entry);

  std::function<void()> refresh_;
  mutable std::mutex mutex_;  // guards entries_ reports, stopping_, counters
  std::condition_variable wake_;
  std::vector<Entry> entries_;
  uint64_t generation_ = 0;  // bumped by configure()
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};  // tells an order under way to give up
  uint64_t ordersOk_ = 0;
  uint64_t ordersFailed_ = 0;
  std::thread thread_;
};

}  // namespace httpgate::gate
