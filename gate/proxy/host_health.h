// Passive health of the remote hosts of routes.hosts. When a machine that
// holds session ports dies, every connect to it would wait timeouts.connect;
// instead, after `fail_after` consecutive connects that time out or find the
// host unreachable, the host is marked down for `down_for`: its requests are
// answered at once (as for a refused port) without a connect. Once per
// `down_for` one request, across all workers, is let through as a probe;
// the first connect that shows the host alive marks it up again.
//
// One HostHealth per host name, shared by every worker (a small mutex; the
// state changes only on connect outcomes, and the common case, a host that
// is up, is read without it). The HostHealthRegistry, owned by the server,
// hands each configuration snapshot a HostHealthSet and keeps the state of a
// host across reloads while the host stays in the configuration. The default
// `routes.backend` is not health-checked: a refused local port only means a
// session ended.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate {

struct HostHealthSettings {
  uint32_t failAfter = 3;     // consecutive failures that mark the host down
  int64_t downForMs = 10000;  // how long it stays down before (between) probes
};

// What a connect to a host may do now.
enum class HostAdmission : uint8_t {
  Connect,  // the host is up: connect as usual
  Probe,    // the host is down and this connect is its probe
  Down,     // the host is down: answer at once, do not connect
};

// What a connect attempt showed about its host.
enum class HostVerdict : uint8_t {
  Alive,        // connected, or refused (a reset comes from a live machine)
  Unreachable,  // timed out, or an error saying the machine cannot be reached
  Unknown,      // ended without telling (a local error, the client went away)
};

// Whether the connect error `error` (an errno value) means the host cannot
// be reached: ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN.
// ECONNREFUSED is Alive; local errors (EMFILE, EADDRNOTAVAIL...) are Unknown.
HostVerdict verdictOfConnectError(int error);

// The last connect to a host that showed it unreachable, for the status
// page.
struct HostFailure {
  int64_t atSeconds = 0;  // Unix time
  std::string reason;     // "No route to host", "connect timed out", a TLS error
};

class HostHealth {
 public:
  HostHealth(std::string name, HostHealthSettings settings);
  HostHealth(const HostHealth&) = delete;
  HostHealth& operator=(const HostHealth&) = delete;

  const std::string& name() const { return name_; }
  // Whether the host is up (any thread, no lock).
  bool up() const { return !down_.load(std::memory_order_acquire); }

  // Before a connect at `nowMs` (monotonic milliseconds): Connect while up;
  // while down, Probe for the first caller once `down_for` has passed since
  // the host was marked down or its last probe failed (and no other probe
  // is under way), Down for everyone else.
  HostAdmission admit(int64_t nowMs);
  // The outcome of a connect admitted with `probe` (admit() said Probe).
  // Alive resets the failure count and marks the host up (logged);
  // Unreachable counts a failure and marks the host down at `failAfter`
  // (logged), and a failed probe keeps it down for another `down_for`;
  // Unknown changes nothing but frees the probe slot. An Unreachable
  // verdict's `reason` becomes lastFailure().
  void report(HostVerdict verdict, bool probe, int64_t nowMs, std::string_view reason = {});
  // The last Unreachable verdict, if any (any thread).
  std::optional<HostFailure> lastFailure() const;
  // New settings from a reload; the state is kept.
  void configure(HostHealthSettings settings);

 private:
  const std::string name_;
  std::atomic<bool> down_{false};
  mutable std::mutex mutex_;  // guards what follows
  HostHealthSettings settings_;
  uint32_t failures_ = 0;    // consecutive, since the last sign of life
  int64_t nextProbeMs_ = 0;  // while down: when the next probe may go
  bool probing_ = false;     // while down: a probe is under way
  std::optional<HostFailure> lastFailure_;
};

// Whether `host` (null: not checked) is marked down. Requests for it then
// take no kept-alive connection from the pool either: one to a dead machine
// would hang until timeouts.idle.
inline bool markedDown(const std::shared_ptr<HostHealth>& host) {
  return host && !host->up();
}

// One connect attempt's tie to its host's health: admitted before the
// connect, told its outcome at most once. An attempt dropped without an
// outcome (its connection closed because the client went away) frees the
// probe slot it may hold. Empty (no host) for hosts not health-checked.
class HostAttempt {
 public:
  HostAttempt() = default;
  ~HostAttempt() { finish(HostVerdict::Unknown); }
  HostAttempt(const HostAttempt&) = delete;
  HostAttempt& operator=(const HostAttempt&) = delete;

  // Asks `host` (null: not checked, always true) whether a connect may go
  // now; false when the host is down and the request must be answered at
  // once. A previous attempt still open is finished as Unknown first.
  bool begin(std::shared_ptr<HostHealth> host);
  // Tells the host the outcome (and, when Unreachable, why) and ends the
  // attempt (no-op when empty).
  void finish(HostVerdict verdict, std::string_view reason = {});

 private:
  std::shared_ptr<HostHealth> host_;
  bool probe_ = false;
};

// The health states of one configuration's remote hosts.
class HostHealthSet {
 public:
  // The state of the routes.hosts entry whose host is `host` (a pointer
  // into the configuration this set was made for), or null when `host` is
  // not one of them (routes.backend).
  const std::shared_ptr<HostHealth>& find(const BackendHost* host) const;
  // Every host once, in configuration order.
  const std::vector<std::shared_ptr<HostHealth>>& hosts() const { return hosts_; }

 private:
  friend class HostHealthRegistry;
  struct Range {
    const BackendHost* host;  // compared, never read: only the config's addresses
    std::shared_ptr<HostHealth> health;
  };
  std::vector<Range> ranges_;
  std::vector<std::shared_ptr<HostHealth>> hosts_;
  std::vector<HostHealthSettings> settings_;  // by hosts_ index, applied on publish
};

// The server's record of host health across reloads.
class HostHealthRegistry {
 public:
  // The set for `config`, whose routes.hosts must not move while the set
  // is used (the snapshot owns both). A host whose name was in the
  // published set keeps its state object; others start up. Changes
  // nothing that current() returns.
  std::shared_ptr<const HostHealthSet> prepare(const Config& config) const;
  // Makes `set` (from prepare(), null for none) the published one: its
  // settings take effect and /metrics reports its hosts.
  void publish(std::shared_ptr<const HostHealthSet> set);
  // The published set, or null (any thread).
  std::shared_ptr<const HostHealthSet> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const HostHealthSet> current_;
};

}  // namespace httpgate::gate
