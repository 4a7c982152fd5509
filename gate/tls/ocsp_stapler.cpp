#include "gate/tls/ocsp_stapler.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

#include "gate/tls/certificate_info.h"
#include "gate/tls/http_fetch.h"

namespace httpgate::gate {
namespace {

// Without a nextUpdate a response is stapled for this long.
constexpr int64_t kNoNextUpdateSeconds = 3600;
// Never fetch again sooner than this after a fetch, nor later than this
// after a failure.
constexpr int64_t kMinRefreshSeconds = 10;
constexpr int64_t kMaxRetrySeconds = 3600;
constexpr int64_t kFirstRetrySeconds = 30;
constexpr long kFetchTimeoutMs = 10'000;

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string dateOf(int64_t seconds) {
  return isoDateTime(static_cast<time_t>(seconds));
}

// The certificate of `ctx`'s chain that issued its leaf, or null.
X509* issuerIn(SSL_CTX* ctx, X509* leaf) {
  STACK_OF(X509)* chain = nullptr;
  if (SSL_CTX_get0_chain_certs(ctx, &chain) != 1 || chain == nullptr) {
    return nullptr;
  }
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* candidate = sk_X509_value(chain, i);
    if (X509_check_issued(candidate, leaf) == X509_V_OK) {
      return candidate;
    }
  }
  return nullptr;
}

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

std::shared_ptr<const OcspSlot::Staple> stapleOf(std::string der, const OcspVerdict& verdict) {
  auto staple = std::make_shared<OcspSlot::Staple>();
  staple->der = std::move(der);
  staple->thisUpdate = verdict.thisUpdate;
  staple->expires =
      verdict.nextUpdate != 0 ? verdict.nextUpdate : verdict.thisUpdate + kNoNextUpdateSeconds;
  return staple;
}

}  // namespace

OcspSlot::~OcspSlot() {
  X509_free(leaf_);
  X509_free(issuer_);
}

std::shared_ptr<const OcspSlot::Staple> OcspSlot::current(int64_t at) const {
  std::shared_ptr<const Staple> staple = staple_.load();
  if (!staple || staple->expires <= at) {
    return nullptr;  // never an expired response
  }
  return staple;
}

OcspSlot::Report OcspSlot::report(int64_t at) const {
  const std::shared_ptr<const Staple> staple = current(at);
  std::lock_guard lock(reportMutex_);
  return {mode_ == OcspMode::File ? "file" : "auto", status_, staple ? staple->expires : 0,
          lastError_, lastErrorAt_};
}

void OcspSlot::note(const std::string& status, const std::string& error, int64_t at) {
  std::lock_guard lock(reportMutex_);
  if (!status.empty()) {
    status_ = status;
  }
  if (!error.empty()) {
    lastError_ = error;
    lastErrorAt_ = at;
  }
}

void OcspSlot::attach(SSL_CTX* ctx) {
  SSL_CTX_set_tlsext_status_cb(ctx, onStatusRequest);
  SSL_CTX_set_tlsext_status_arg(ctx, this);
}

// A handshake whose client asked for the certificate's status (after SNI
// chose the context): the current response, or no status at all.
int OcspSlot::onStatusRequest(SSL* ssl, void* arg) {
  const auto* slot = static_cast<const OcspSlot*>(arg);
  const std::shared_ptr<const Staple> staple = slot->current(now());
  if (!staple) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  // OpenSSL takes ownership of a buffer of its own allocation.
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(staple->der.size()));
  if (copy == nullptr) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  std::memcpy(copy, staple->der.data(), staple->der.size());
  if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(staple->der.size())) != 1) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_NOACK;
  }
  return SSL_TLSEXT_ERR_OK;
}

void OcspStapler::counted(Outcome outcome) {
  outcomes_[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

OcspStapler::~OcspStapler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::shared_ptr<OcspSlot> OcspStapler::slotFor(const CertificateConfig& cert, SSL_CTX* ctx) {
  if (cert.ocsp == OcspMode::Off) {
    return nullptr;
  }
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (leaf == nullptr) {
    return nullptr;
  }
  const std::vector<std::string> names = certificateNames(leaf);
  const std::string label = names.empty() ? cert.certFile : names.front();
  const std::string url = cert.ocsp == OcspMode::Auto ? ocspResponderUrl(leaf) : "";
  if (cert.ocsp == OcspMode::Auto && url.empty()) {
    spdlog::debug("certificate {} ({}) names no OCSP responder: nothing to staple", cert.certFile,
                  label);
    return nullptr;
  }
  X509* issuer = issuerIn(ctx, leaf);
  if (issuer == nullptr) {
    spdlog::warn(
        "certificate {} ({}): no OCSP stapling, its file holds no certificate of its issuer "
        "after it",
        cert.certFile, label);
    return nullptr;
  }
  const std::string fingerprint = certificateFingerprint(leaf);
  if (cert.ocsp == OcspMode::Auto) {
    std::lock_guard lock(mutex_);
    for (const auto& known : slots_) {
      std::shared_ptr<OcspSlot> slot = known.lock();
      if (slot && slot->file_ == cert.certFile && slot->fingerprint_ == fingerprint &&
          slot->url_ == url) {
        return slot;  // the same certificate after a reload: its staple stays
      }
    }
  }
  std::shared_ptr<OcspSlot> slot(new OcspSlot());
  slot->file_ = cert.certFile;
  slot->label_ = label;
  slot->fingerprint_ = fingerprint;
  slot->mode_ = cert.ocsp;
  slot->url_ = url;
  X509_up_ref(leaf);
  slot->leaf_ = leaf;
  X509_up_ref(issuer);
  slot->issuer_ = issuer;
  if (cert.ocsp == OcspMode::File) {
    std::string der;
    const int64_t at = now();
    if (!readFile(cert.ocspFile, der)) {
      const std::string why = "cannot read " + cert.ocspFile;
      spdlog::warn("certificate {} ({}): OCSP response not stapled: {}", cert.certFile, label, why);
      slot->note("", why, at);
      return slot;
    }
    auto verdict = checkOcspResponse(der, leaf, issuer, at);
    if (!verdict.ok()) {
      spdlog::warn("certificate {} ({}): OCSP response {} not stapled: {}", cert.certFile, label,
                   cert.ocspFile, verdict.error());
      slot->note("", verdict.error(), at);
    } else if (verdict.value().status != OcspStatus::Good) {
      spdlog::error("certificate {} ({}): OCSP response {} says {}{}: not stapled", cert.certFile,
                    label, cert.ocspFile, ocspStatusName(verdict.value().status),
                    verdict.value().revocation.empty() ? "" : ", " + verdict.value().revocation);
      slot->note(ocspStatusName(verdict.value().status), "", at);
    } else {
      slot->staple_.store(stapleOf(std::move(der), verdict.value()));
      slot->note("good", "", at);
      spdlog::info("certificate {} ({}): stapling the OCSP response {} until {}", cert.certFile,
                   label, cert.ocspFile, dateOf(slot->staple_.load()->expires));
    }
    return slot;
  }
  {
    std::lock_guard lock(mutex_);
    slots_.push_back(slot);
  }
  wake_.notify_all();
  return slot;
}

void OcspStapler::start() {
  std::lock_guard lock(mutex_);
  if (!thread_.joinable() && !stopping_) {
    thread_ = std::thread([this] { run(); });
  }
}

void OcspStapler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::shared_ptr<OcspSlot> due;
    int64_t earliest = INT64_MAX;
    for (auto it = slots_.begin(); it != slots_.end();) {
      std::shared_ptr<OcspSlot> slot = it->lock();
      if (!slot) {
        it = slots_.erase(it);
        continue;
      }
      if (slot->nextFetch_ < earliest) {
        earliest = slot->nextFetch_;
        due = std::move(slot);
      }
      ++it;
    }
    if (due && earliest <= now()) {
      lock.unlock();
      refresh(*due);
      due.reset();
      lock.lock();
      continue;
    }
    due.reset();
    const int64_t wait = earliest == INT64_MAX ? kMaxRetrySeconds : earliest - now();
    wake_.wait_for(lock, std::chrono::seconds(std::clamp<int64_t>(wait, 1, kMaxRetrySeconds)));
  }
}

void OcspStapler::refresh(OcspSlot& slot) {
  const int64_t started = now();
  auto request = ocspRequest(slot.leaf_, slot.issuer_);
  if (!request.ok()) {
    failed(slot, request.error(), started);
    return;
  }
  HttpFetchRequest fetch;
  fetch.method = "POST";
  fetch.url = slot.url_;
  fetch.headers = {"Content-Type: application/ocsp-request", "Accept: application/ocsp-response"};
  fetch.body = std::move(request).value();
  fetch.timeoutMs = kFetchTimeoutMs;
  auto response = httpFetch(fetch);
  if (!response.ok()) {
    failed(slot, response.error(), started);
    return;
  }
  if (response.value().status != 200) {
    failed(slot, slot.url_ + " answered HTTP " + std::to_string(response.value().status), started);
    return;
  }
  const int64_t at = now();
  auto verdict = checkOcspResponse(response.value().body, slot.leaf_, slot.issuer_, at);
  if (!verdict.ok()) {
    failed(slot, "its response was refused: " + verdict.error(), at);
    return;
  }
  const OcspVerdict& v = verdict.value();
  if (v.status == OcspStatus::Good) {
    const auto staple = stapleOf(std::move(response).value().body, v);
    slot.staple_.store(staple);
    slot.failures_ = 0;
    slot.nextFetch_ = std::max(at + kMinRefreshSeconds,
                               staple->thisUpdate + (staple->expires - staple->thisUpdate) / 2);
    counted(Outcome::Good);
    slot.note("good", "", at);
    spdlog::info("certificate {} ({}): OCSP status good, stapled until {}; next fetch at {}",
                 slot.file_, slot.label_, dateOf(staple->expires), dateOf(slot.nextFetch_));
    return;
  }
  // A revoked (or unknown) certificate gets no staple at all: a client
  // that requires one then refuses it, which is what revocation means.
  slot.staple_.store(nullptr);
  slot.note(ocspStatusName(v.status), "", at);
  if (v.status == OcspStatus::Revoked) {
    counted(Outcome::Revoked);
    slot.nextFetch_ = at + kMaxRetrySeconds;
    spdlog::error(
        "certificate {} ({}) is REVOKED according to its OCSP responder ({}): nothing is "
        "stapled; replace it",
        slot.file_, slot.label_, v.revocation);
    return;
  }
  counted(Outcome::Unknown);
  slot.nextFetch_ = at + kMaxRetrySeconds;
  spdlog::warn("certificate {} ({}): its OCSP responder does not know it: nothing is stapled",
               slot.file_, slot.label_);
}

void OcspStapler::failed(OcspSlot& slot, const std::string& why, int64_t at) {
  counted(Outcome::Failed);
  ++slot.failures_;
  int64_t retry =
      std::min<int64_t>(kFirstRetrySeconds << std::min(slot.failures_ - 1, 7), kMaxRetrySeconds);
  const std::shared_ptr<const OcspSlot::Staple> staple = slot.current(at);
  if (staple) {
    // Try again well before the last good response runs out.
    retry = std::min(retry, std::max(kMinRefreshSeconds, (staple->expires - at) / 2));
  }
  slot.nextFetch_ = at + retry;
  slot.note("", why, at);
  spdlog::warn("certificate {} ({}): OCSP fetch failed: {}; {}; next try in {} s", slot.file_,
               slot.label_, why,
               staple ? "the last good response stays stapled until " + dateOf(staple->expires)
                      : std::string("nothing is stapled"),
               retry);
}

}  // namespace httpgate::gate
