#include "gate/tls/acme_manager.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "common/net/address.h"
#include "gate/tls/acme_challenges.h"
#include "gate/tls/acme_client.h"
#include "gate/tls/acme_material.h"
#include "gate/tls/acme_store.h"
#include "gate/tls/certificate_info.h"

namespace httpgate::gate {
namespace {

constexpr int64_t kFirstRetrySeconds = 60;
constexpr int64_t kMaxRetrySeconds = 6 * 3600;
// While another gate holds the storage's lock: look again this often.
constexpr int64_t kLockPollSeconds = 2;
// A valid certificate is looked at again at least this often (another
// gate sharing the storage may have renewed it).
constexpr int64_t kRecheckSeconds = 3600;

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

// The storage's lock for `acme`, taken without waiting: the descriptor,
// -1 when another process holds it, or -2 (errno set) on an error.
int tryLock(const AcmeConfig& acme) {
  const int fd = ::open(acmeLockPath(acme).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return -2;
  }
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (fcntl(fd, F_SETLK, &lock) == 0) {
    return fd;
  }
  const int error = errno;
  ::close(fd);
  errno = error;
  return error == EACCES || error == EAGAIN ? -1 : -2;
}

// When a certificate valid until `notAfter` is next looked at: renew_before
// ahead of its end, but never sooner than a third of the time it has left
// (a renew_before longer than the certificates a CA issues must not make
// the gate order again and again), and at least once an hour.
int64_t nextCheckFor(int64_t notAfter, const AcmeConfig& acme, int64_t at) {
  const int64_t renewAt =
      notAfter - std::chrono::duration_cast<std::chrono::seconds>(acme.renewBefore).count();
  const int64_t earliest = at + std::max<int64_t>(1, (notAfter - at) / 3);
  return std::min(std::max(renewAt, earliest), at + kRecheckSeconds);
}

}  // namespace

AcmeManager::AcmeManager(std::function<void()> refresh) : refresh_(std::move(refresh)) {}

AcmeManager::~AcmeManager() {
  cancel_ = true;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void AcmeManager::configure(const Config& config) {
  // challenge: auto — http-01 where the CA can reach it (a plain listener
  // on port 80), else tls-alpn-01 on the TLS listener.
  const bool plainListener = std::any_of(
      config.listeners.begin(), config.listeners.end(),
      [](const ListenConfig& l) { return !l.tls && net::portOf(l.socket.storage) == 80; });
  std::vector<Entry> entries;
  for (const ListenConfig& listener : config.listeners) {
    if (!listener.tls || !listener.tls->acme) {
      continue;
    }
    Entry entry;
    entry.acme = *listener.tls->acme;
    entry.challenge = entry.acme.challenge != AcmeChallenge::Auto ? entry.acme.challenge
                      : plainListener                             ? AcmeChallenge::Http01
                                                                  : AcmeChallenge::TlsAlpn01;
    entry.report.names = entry.acme.names;
    entry.report.state = "checking";
    if (const auto stored = readStoredCertificate(entry.acme)) {
      entry.served = stored->fingerprint;  // the contexts just built load it
    }
    entries.push_back(std::move(entry));
  }
  {
    std::lock_guard lock(mutex_);
    for (Entry& entry : entries) {
      for (const Entry& old : entries_) {
        if (old.acme.names == entry.acme.names && old.acme.directory == entry.acme.directory) {
          entry.report = old.report;
          entry.failures = old.failures;
        }
      }
      entry.report.nextCheckAt = 0;  // look at once: the configuration changed
    }
    entries_ = std::move(entries);
    ++generation_;
  }
  wake_.notify_all();
}

void AcmeManager::start() {
  std::lock_guard lock(mutex_);
  if (!thread_.joinable() && !stopping_) {
    thread_ = std::thread([this] { run(); });
  }
}

std::vector<AcmeManager::Report> AcmeManager::report() const {
  std::lock_guard lock(mutex_);
  std::vector<Report> out;
  for (const Entry& entry : entries_) {
    out.push_back(entry.report);
  }
  return out;
}

uint64_t AcmeManager::ordersOk() const {
  std::lock_guard lock(mutex_);
  return ordersOk_;
}

uint64_t AcmeManager::ordersFailed() const {
  std::lock_guard lock(mutex_);
  return ordersFailed_;
}

void AcmeManager::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    size_t due = entries_.size();
    int64_t earliest = INT64_MAX;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].report.nextCheckAt < earliest) {
        earliest = entries_[i].report.nextCheckAt;
        due = i;
      }
    }
    if (due < entries_.size() && earliest <= now()) {
      Entry work = entries_[due];
      const uint64_t generation = generation_;
      lock.unlock();
      check(work);
      lock.lock();
      if (generation == generation_ && due < entries_.size()) {
        entries_[due] = std::move(work);
      }
      continue;
    }
    const int64_t wait = earliest == INT64_MAX ? kRecheckSeconds : earliest - now();
    wake_.wait_for(lock, std::chrono::seconds(std::clamp<int64_t>(wait, 1, kRecheckSeconds)));
  }
}

void AcmeManager::check(Entry& entry) {
  const int64_t at = now();
  const auto stored = readStoredCertificate(entry.acme);
  const int64_t renewBefore =
      std::chrono::duration_cast<std::chrono::seconds>(entry.acme.renewBefore).count();
  if (stored && coversNames(*stored, entry.acme) && stored->notAfter - at > renewBefore) {
    if (stored->fingerprint != entry.served) {
      // Another gate sharing the storage got it: take it up.
      spdlog::info("ACME: taking up the certificate for {} stored by another gate (valid until {})",
                   joined(entry.acme.names), isoDateTime(static_cast<time_t>(stored->notAfter)));
      entry.served = stored->fingerprint;
      refresh_();
    }
    entry.failures = 0;
    entry.report.state = "valid";
    entry.report.notAfter = stored->notAfter;
    entry.report.nextCheckAt = nextCheckFor(stored->notAfter, entry.acme, at);
    return;
  }
  if (!order(entry, at)) {
    return;
  }
}

// The order itself, under the storage's lock: a new key, its CSR, the
// ACME exchange, and the key with the chain stored in one file. "" or
// what went wrong.
std::string AcmeManager::placeOrder(const Entry& entry) {
  const AcmeConfig& acme = entry.acme;
  spdlog::info("ACME: ordering a certificate for {} from {} ({})", joined(acme.names),
               acme.directory,
               entry.challenge == AcmeChallenge::TlsAlpn01 ? "tls-alpn-01" : "http-01");
  auto account = loadOrCreateKey(acmeAccountKeyPath(acme));
  auto key = newAcmeKey();
  auto csr =
      key.ok() ? makeCsr(key.value().get(), acme.names) : Result<std::string>::fail(key.error());
  if (!account.ok() || !csr.ok()) {
    return !account.ok() ? account.error() : csr.error();
  }
  AcmeClient client(acme.directory, acme.caFile, account.value().get(), acme.email, &cancel_);
  auto chain = client.order(acme.names, csr.value(), entry.challenge, acmeChallenges());
  if (!chain.ok()) {
    return chain.error();
  }
  auto written = writeFileAtomically(acmeCertificatePath(acme),
                                     privateKeyPem(key.value().get()) + chain.value(), 0600);
  return written.ok() ? std::string() : written.error();
}

bool AcmeManager::order(Entry& entry, int64_t at) {
  const AcmeConfig& acme = entry.acme;
  std::error_code error;
  std::filesystem::create_directories(acmeDirectoryOf(acme), error);
  ::chmod(acme.storage.c_str(), 0700);
  ::chmod(acmeDirectoryOf(acme).c_str(), 0700);
  const int lock = tryLock(acme);
  if (lock == -1) {
    if (entry.report.state != "waiting") {
      spdlog::info("ACME: another gate is ordering the certificate for {}; waiting for it",
                   joined(acme.names));
    }
    entry.report.state = "waiting";
    entry.report.nextCheckAt = at + kLockPollSeconds;
    return false;
  }
  std::string failure;
  if (lock == -2) {
    failure = "cannot lock " + acmeLockPath(acme) + ": " + std::strerror(errno);
  } else if (const auto stored = readStoredCertificate(acme);
             stored && stored->fingerprint != entry.served && coversNames(*stored, acme) &&
             stored->notAfter - at >
                 std::chrono::duration_cast<std::chrono::seconds>(acme.renewBefore).count()) {
    ::close(lock);  // another gate stored it while this one waited
    entry.report.nextCheckAt = 0;
    return false;
  } else {
    entry.report.lastOrderAt = at;
    failure = placeOrder(entry);
    ::close(lock);
  }
  const int64_t done = now();
  if (failure.empty()) {
    if (const auto stored = readStoredCertificate(acme)) {
      std::lock_guard guard(mutex_);
      ++ordersOk_;
      entry.served = stored->fingerprint;
      entry.failures = 0;
      entry.report.state = "valid";
      entry.report.notAfter = stored->notAfter;
      entry.report.lastError.clear();
      entry.report.nextCheckAt = nextCheckFor(stored->notAfter, acme, done);
      spdlog::info("ACME: obtained the certificate for {}, valid until {}: swapping it in",
                   joined(acme.names), isoDateTime(static_cast<time_t>(stored->notAfter)));
    } else {
      failure = "the stored certificate " + acmeCertificatePath(acme) + " cannot be read back";
    }
  }
  if (!failure.empty()) {
    ++entry.failures;
    const int64_t retry =
        std::min<int64_t>(kFirstRetrySeconds << std::min(entry.failures - 1, 12), kMaxRetrySeconds);
    {
      std::lock_guard guard(mutex_);
      ++ordersFailed_;
    }
    entry.report.state = "failed";
    entry.report.lastError = failure;
    entry.report.nextCheckAt = done + retry;
    spdlog::warn(
        "ACME: the order for {} failed: {}; the certificate in use keeps serving; next try in {} s",
        joined(acme.names), failure, retry);
    return false;
  }
  refresh_();
  return true;
}

}  // namespace httpgate::gate
