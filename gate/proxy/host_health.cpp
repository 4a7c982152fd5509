#include "gate/proxy/host_health.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <ctime>

#include "common/time/clock.h"

namespace httpgate::gate {
namespace {

const std::shared_ptr<HostHealth> kNoHealth;

}  // namespace

HostVerdict verdictOfConnectError(int error) {
  switch (error) {
    case 0:
    case ECONNREFUSED:
      return HostVerdict::Alive;
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
      return HostVerdict::Unreachable;
    default:
      return HostVerdict::Unknown;
  }
}

HostHealth::HostHealth(std::string name, HostHealthSettings settings)
    : name_(std::move(name)), settings_(settings) {}

HostAdmission HostHealth::admit(int64_t nowMs) {
  if (up()) {
    return HostAdmission::Connect;  // a host just marked down may let one more pass
  }
  std::lock_guard lock(mutex_);
  if (!down_.load(std::memory_order_relaxed)) {
    return HostAdmission::Connect;
  }
  if (probing_ || nowMs < nextProbeMs_) {
    return HostAdmission::Down;
  }
  probing_ = true;
  return HostAdmission::Probe;
}

void HostHealth::report(HostVerdict verdict, bool probe, int64_t nowMs, std::string_view reason) {
  enum class Change { None, Up, Down, StillDown } change = Change::None;
  uint32_t failures = 0;
  int64_t downForMs = 0;
  {
    std::lock_guard lock(mutex_);
    if (probe) {
      probing_ = false;
    }
    const bool down = down_.load(std::memory_order_relaxed);
    switch (verdict) {
      case HostVerdict::Alive:
        failures_ = 0;
        if (down) {
          down_.store(false, std::memory_order_release);
          change = Change::Up;
        }
        break;
      case HostVerdict::Unreachable:
        lastFailure_ = HostFailure{static_cast<int64_t>(std::time(nullptr)), std::string(reason)};
        if (down) {
          // A connect admitted before the host went down says nothing new;
          // a failed probe starts another period.
          if (probe) {
            nextProbeMs_ = nowMs + settings_.downForMs;
            change = Change::StillDown;
          }
          break;
        }
        failures = ++failures_;
        if (failures_ >= settings_.failAfter) {
          down_.store(true, std::memory_order_release);
          nextProbeMs_ = nowMs + settings_.downForMs;
          change = Change::Down;
        }
        break;
      case HostVerdict::Unknown:
        break;
    }
    downForMs = settings_.downForMs;
  }
  switch (change) {
    case Change::Up:
      spdlog::info("backend host {} is up", name_);
      break;
    case Change::Down:
      spdlog::warn(
          "backend host {} is down after {} consecutive connect failure{}: its ports are "
          "answered at once, one probe every {} ms",
          name_, failures, failures == 1 ? "" : "s", downForMs);
      break;
    case Change::StillDown:
      spdlog::debug("backend host {}: probe failed, still down", name_);
      break;
    case Change::None:
      break;
  }
}

std::optional<HostFailure> HostHealth::lastFailure() const {
  std::lock_guard lock(mutex_);
  return lastFailure_;
}

void HostHealth::configure(HostHealthSettings settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
}

bool HostAttempt::begin(std::shared_ptr<HostHealth> host) {
  finish(HostVerdict::Unknown);
  if (!host) {
    return true;
  }
  switch (host->admit(clock::coarseMs())) {
    case HostAdmission::Connect:
      probe_ = false;
      break;
    case HostAdmission::Probe:
      probe_ = true;
      break;
    case HostAdmission::Down:
      return false;
  }
  host_ = std::move(host);
  return true;
}

void HostAttempt::finish(HostVerdict verdict, std::string_view reason) {
  if (!host_) {
    return;
  }
  host_->report(verdict, probe_, clock::coarseMs(), reason);
  host_.reset();
  probe_ = false;
}

const std::shared_ptr<HostHealth>& HostHealthSet::find(const BackendHost* host) const {
  for (const Range& range : ranges_) {
    if (range.host == host) {
      return range.health;
    }
  }
  return kNoHealth;
}

std::shared_ptr<const HostHealthSet> HostHealthRegistry::prepare(const Config& config) const {
  const std::shared_ptr<const HostHealthSet> published = current();
  auto set = std::make_shared<HostHealthSet>();
  for (const HostRange& range : config.routes.hosts) {
    std::shared_ptr<HostHealth> health;
    for (const auto& known : set->hosts_) {
      if (known->name() == range.host.name) {
        health = known;  // another range of the same host shares its state
      }
    }
    if (!health) {
      if (published) {
        for (const auto& old : published->hosts_) {
          if (old->name() == range.host.name) {
            health = old;
          }
        }
      }
      const HostHealthSettings settings{range.failAfter, range.downFor.count()};
      if (!health) {
        health = std::make_shared<HostHealth>(range.host.name, settings);
      }
      set->hosts_.push_back(health);
      set->settings_.push_back(settings);
    }
    set->ranges_.push_back({&range.host, std::move(health)});
  }
  return set;
}

void HostHealthRegistry::publish(std::shared_ptr<const HostHealthSet> set) {
  if (set) {
    for (size_t i = 0; i < set->hosts_.size(); ++i) {
      set->hosts_[i]->configure(set->settings_[i]);
    }
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(set);
}

std::shared_ptr<const HostHealthSet> HostHealthRegistry::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace httpgate::gate
