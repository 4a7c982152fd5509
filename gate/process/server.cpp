#include "gate/process/server.h"

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <thread>

#include "common/time/clock.h"
#include "gate/apps/start_helper.h"
#include "gate/process/detach.h"
#include "gate/process/socket_activation.h"
#include "gate/process/systemd_notify.h"
#include "gate/telemetry/status_board.h"

namespace httpgate::gate {
namespace {

// Delivered to the main thread's event base; blocked in the workers.
constexpr int kHandledSignals[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR2};

unsigned workerCount(const Config& config) {
  if (config.workers != 0) {
    return config.workers;
  }
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

// A reload may change everything but the set of listening sockets, which
// the workers hold open: those need a restart.
bool sameListeners(const Config& a, const Config& b) {
  if (a.listeners.size() != b.listeners.size()) {
    return false;
  }
  for (size_t i = 0; i < a.listeners.size(); ++i) {
    const ListenConfig& x = a.listeners[i];
    const ListenConfig& y = b.listeners[i];
    if (x.address != y.address || x.tls.has_value() != y.tls.has_value() ||
        x.redirectHttps != y.redirectHttps) {
      return false;
    }
  }
  return true;
}

const char* listenerKind(const ListenConfig& listener) {
  if (listener.tls) {
    return "tls";
  }
  return listener.redirectHttps ? "redirect" : "plain";
}

// A warning for each certificate of `list` with fewer than
// kCertificateWarningDays left (at start and after every reload), so that
// an expiry shows in the journal before clients see it.
void warnAboutExpiry(const CertificateList& list) {
  const time_t now = ::time(nullptr);
  for (const CertificateInfo& info : list) {
    if (std::string warning = expiryWarning(info, now); !warning.empty()) {
      spdlog::warn("{}", warning);
    }
  }
}

}  // namespace

int checkConfiguration(const std::string& path) {
  return checkConfiguration(yamlConfigLoader(path), path);
}

int checkConfiguration(const ConfigLoader& loader, const std::string& name) {
  auto loaded = loader();
  if (!loaded.ok()) {
    fprintf(stderr, "%s\n", loaded.error().c_str());
    return 1;
  }
  auto config = loaded.value();
  std::vector<uint16_t> ports(config->listeners.size(), 0);
  auto runtime = buildRuntime(config, ports, 0);
  if (!runtime.ok()) {
    fprintf(stderr, "%s\n", runtime.error().c_str());
    return 1;
  }
  const time_t now = ::time(nullptr);
  for (const CertificateInfo& info : *runtime.value()->certificates) {
    fprintf(stderr, "%s\n", certificateCheckLine(info, now).c_str());
  }
  fprintf(stderr, "configuration %s is valid\n", name.c_str());
  return 0;
}

Server::~Server() {
  acme_.reset();   // its thread may wake the main loop
  admin_.reset();  // it holds the workers, for the status page's census
  workers_.clear();
  stopStartHelper();
  upgrade_.reset();
  for (event* ev : signals_) {
    event_free(ev);
  }
  if (shutdownTick_ != nullptr) {
    event_free(shutdownTick_);
  }
  if (acmeRefresh_ != nullptr) {
    event_free(acmeRefresh_);
  }
  workers_.clear();
  if (base_ != nullptr) {
    event_base_free(base_);
  }
}

int Server::run(ServerOptions options) {
  auto loaded = loader_();
  if (!loaded.ok()) {
    spdlog::error("{}", loaded.error());
    return 1;
  }
  auto config = loaded.value();
  setLogLevel(config->log.level);
  unsigned workers = workerCount(*config);

  UpgradeHandoff handoff = takeUpgradeHandoff();
  if (!setUp(config, workers, handoff.listenFds, options)) {
    return 1;
  }
  startWorkers(*config, workers);

  for (size_t i = 0; i < config->listeners.size(); ++i) {
    spdlog::info("listening on {} ({})", describeAddress(config->listeners[i].socket, ports_[i]),
                 listenerKind(config->listeners[i]));
  }
  spdlog::info("httpgate ready, {} workers", workers);
  // systemd first: after an upgrade, the new main PID must be known before
  // the old process, on "ready", starts to drain and exits.
  systemd::notifyReady(servingStatus());
  signalUpgradeReady(handoff.readyFd);
  event_base_dispatch(base_);

  for (auto& worker : workers_) {
    worker->join();
  }
  admin_.reset();
  workers_.clear();
  stopStartHelper();
  spdlog::info("stopped");
  return 0;
}

// Everything that needs the privileges, or must fail before the gate
// detaches: the listeners, the certificates and the access log, the admin
// socket, the start helper; then the privileges go. False (logged) on error.
bool Server::setUp(const std::shared_ptr<const Config>& config, unsigned workers,
                   std::vector<int> listenFds, const ServerOptions& options) {
  std::vector<int> inherited = std::move(listenFds);
  std::string origin = "upgrade";
  std::vector<int> activated = takeActivatedSockets();
  if (!activated.empty()) {
    // Both at once only if someone set the variables by hand: adopt all.
    origin = inherited.empty() ? "socket activation" : "upgrade and socket activation";
    inherited.insert(inherited.end(), activated.begin(), activated.end());
  }
  auto bound = bindListeners(*config, workers, inherited, origin);
  if (!bound.ok()) {
    spdlog::error("{}", bound.error());
    return false;
  }
  listeners_ = std::move(bound).value();
  for (const BoundListener& listener : listeners_) {
    ports_.push_back(listener.port);
  }
  // Certificates and keys are read (and the access log opened) before the
  // privileges go, and before detaching, so that an error still reaches the
  // terminal with exit status 1.
  auto built = buildRuntime(config, ports_, ++generation_, &hostHealth_, &ocsp_);
  if (!built.ok()) {
    spdlog::error("{}", built.error());
    return false;
  }
  runtime_ = std::move(built).value();
  hostHealth_.publish(runtime_->hostHealth);
  statusBoard().configLoaded(runtime_->config, static_cast<int64_t>(std::time(nullptr)));
  certificates_.publish(runtime_->certificates);
  warnAboutExpiry(*runtime_->certificates);
  // The admin endpoint's socket, bound while the privileges last.
  auto admin = AdminEndpoint::open(*config);
  if (!admin.ok()) {
    spdlog::error("{}", admin.error());
    return false;
  }
  admin_ = std::move(admin).value();
  if (options.detach && !detachFromTerminal()) {
    spdlog::error("cannot detach: fork: {}", std::strerror(errno));
    return false;
  }
  // The start helper keeps the privileges the gate is about to give up,
  // and must be forked while the process has a single thread (and after
  // detaching, so that it is the daemon's child).
  if (auto helper = forkStartHelper(loader_, config)) {
    appStarts_ = std::make_unique<AppStarts>(helper->fd);
    startHelper_ = helper->pid;
  } else {
    spdlog::warn("apps cannot be started on demand: the start helper did not start");
  }
  return dropPrivileges(*config);
}

// The main thread's loop with its signals, and the workers (and the admin
// thread), which leave those signals to it.
void Server::startWorkers(const Config& config, unsigned workers) {
  base_ = event_base_new();
  for (int signal : kHandledSignals) {
    event* ev = evsignal_new(base_, signal, onSignal, this);
    event_add(ev, nullptr);
    signals_.push_back(ev);
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (appStarts_) {
    appStarts_->attach(base_);
  }

  // Workers inherit a mask that blocks the handled signals, so they are
  // delivered to the main thread only.
  sigset_t handled;
  sigemptyset(&handled);
  for (int signal : kHandledSignals) {
    sigaddset(&handled, signal);
  }
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &handled, &previous);
  acmeRefresh_ = event_new(base_, -1, 0, onAcmeRefresh, this);
  // Safe from the ACME thread: main() called evthread_use_pthreads().
  acme_ = std::make_unique<AcmeManager>([this] { event_active(acmeRefresh_, 0, 0); });
  acme_->configure(config);
  auto sockets = assignToWorkers(listeners_, workers);
  limits_ = std::make_unique<GateLimits>(config.listeners.size());
  for (unsigned w = 0; w < workers; ++w) {
    workers_.push_back(std::make_unique<Worker>(w, std::move(sockets[w]), runtime_, connections_,
                                                *limits_, appStarts_.get()));
    workers_.back()->start();
  }
  if (admin_) {
    // Its thread, too, leaves signals to this one.
    admin_->start(config, ports_, workers_, {&hostHealth_, &certificates_, &ocsp_, acme_.get()});
  }
  ocsp_.start();
  acme_->start();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

// "serving on [::]:443 (tls), [::]:80 (redirect); 2 workers" for STATUS=.
std::string Server::servingStatus() const {
  const Config& config = *runtime_->config;
  std::string status = "serving on ";
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    status += (i == 0 ? "" : ", ") + describeAddress(config.listeners[i].socket, ports_[i]) + " (" +
              listenerKind(config.listeners[i]) + ")";
  }
  return status + "; " + std::to_string(workers_.size()) + " workers";
}

bool Server::dropPrivileges(const Config& config) {
  if (config.user.empty()) {
    return true;
  }
  if (geteuid() != 0) {
    spdlog::debug("user: not running as root, staying {}", geteuid());
    return true;
  }
  errno = 0;
  passwd* pw = getpwnam(config.user.c_str());
  if (pw == nullptr) {
    spdlog::error("{}: user: unknown user \"{}\"", config.file, config.user);
    return false;
  }
  if (pw->pw_uid == 0) {
    spdlog::warn("{}: user: \"{}\" is root: privileges are not dropped", config.file, config.user);
    return true;
  }
  if (pw->pw_gid == 0) {
    spdlog::error("{}: user: \"{}\" has group 0 (root): name a user with a group of its own",
                  config.file, config.user);
    return false;
  }
  // Supplementary groups are cleared, not taken from /etc/group: only the
  // user and its primary group remain (root's groups, 0 among them, go).
  // Group before user: after setuid() the group can no longer change.
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    spdlog::error("cannot switch to user {}: {}", config.user, std::strerror(errno));
    return false;
  }
  // A drop that can be undone is no drop: refuse to run if it can.
  if (setuid(0) == 0 || setgid(0) == 0) {
    spdlog::error("cannot switch to user {}: root privileges could be regained", config.user);
    return false;
  }
  spdlog::info("running as user {} (uid {}, gid {})", config.user, pw->pw_uid, pw->pw_gid);
  return true;
}

// Closing our end of the socketpair ends the helper; starts it has under
// way finish on their own.
void Server::stopStartHelper() {
  appStarts_.reset();
  if (startHelper_ > 0) {
    waitpid(startHelper_, nullptr, 0);
    startHelper_ = -1;
  }
}

void Server::onSignal(evutil_socket_t signal, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  if (signal == SIGHUP) {
    self->reload();
    return;
  }
  if (signal == SIGUSR2) {
    self->startUpgrade();
    return;
  }
  if (self->shuttingDown_) {
    spdlog::info("second stop signal: closing all connections now");
    for (auto& worker : self->workers_) {
      worker->stop();
    }
    event_base_loopbreak(self->base_);
    return;
  }
  self->beginShutdown(true);
}

void Server::reload() {
  if (shuttingDown_) {
    return;
  }
  systemd::notifyReloading();
  auto loaded = loader_();
  std::string error;
  if (!loaded.ok()) {
    error = loaded.error();
  } else {
    auto config = loaded.value();
    if (!sameListeners(*runtime_->config, *config)) {
      error = config->file + ": listen: listeners cannot change on reload; restart the gate";
    } else if (config->admin.listen != runtime_->config->admin.listen) {
      error = config->file + ": admin.listen: cannot change on reload; restart the gate";
    } else {
      auto built = buildRuntime(config, ports_, generation_ + 1, &hostHealth_, &ocsp_);
      if (!built.ok()) {
        error = built.error();
      } else {
        ++generation_;
        runtime_ = std::move(built).value();
        hostHealth_.publish(runtime_->hostHealth);
        statusBoard().configLoaded(runtime_->config, static_cast<int64_t>(std::time(nullptr)));
        certificates_.publish(runtime_->certificates);
      }
    }
  }
  if (!error.empty()) {
    processMetrics().reloadsFailed.add();
    statusBoard().reloadFailed(error, static_cast<int64_t>(std::time(nullptr)));
    spdlog::error("reload failed, keeping the running configuration: {}", error);
    systemd::notifyReloaded("reload failed, still serving the previous configuration: " + error);
    return;
  }
  processMetrics().reloadsOk.add();
  setLogLevel(runtime_->config->log.level);
  for (auto& worker : workers_) {
    worker->publish(runtime_);
  }
  if (appStarts_) {
    appStarts_->reload();
  }
  if (admin_) {
    admin_->setUsers(*runtime_->config);
  }
  if (acme_) {
    acme_->configure(*runtime_->config);
  }
  spdlog::info("configuration reloaded");
  warnAboutExpiry(*runtime_->certificates);
  systemd::notifyReloaded(servingStatus() + "; configuration reloaded");
}

void Server::onAcmeRefresh(evutil_socket_t, short, void* arg) {
  static_cast<Server*>(arg)->refreshCertificates();
}

void Server::refreshCertificates() {
  if (shuttingDown_) {
    return;
  }
  auto built = buildRuntime(runtime_->config, ports_, generation_ + 1, &hostHealth_, &ocsp_);
  if (!built.ok()) {
    // The files of the running configuration changed under it since it was
    // loaded: a reload will say more; the contexts in use stay.
    spdlog::error("ACME: cannot swap the new certificate in: {}", built.error());
    return;
  }
  ++generation_;
  runtime_ = std::move(built).value();
  hostHealth_.publish(runtime_->hostHealth);
  certificates_.publish(runtime_->certificates);
  for (auto& worker : workers_) {
    worker->publish(runtime_);
  }
  spdlog::info("ACME: certificates swapped in");
}

void Server::rememberCommandLine(int argc, char** argv) {
  binary_ = currentBinaryPath();
  argv_.assign(argv, argv + argc);
}

void Server::startUpgrade() {
  if (shuttingDown_) {
    spdlog::info("upgrade: SIGUSR2 ignored while shutting down");
    return;
  }
  if (upgrade_ && upgrade_->inProgress()) {
    spdlog::info("upgrade: SIGUSR2 ignored, new process {} is still starting", upgrade_->pid());
    return;
  }
  if (binary_.empty() || argv_.empty()) {
    spdlog::error("upgrade failed: the path of the running binary is unknown");
    return;
  }
  std::vector<int> fds;
  for (const BoundListener& listener : listeners_) {
    fds.insert(fds.end(), listener.fds.begin(), listener.fds.end());
  }
  upgrade_ =
      std::make_unique<Upgrade>(base_, [this](bool ready, pid_t pid, const std::string& failure) {
        upgradeDone(ready, pid, failure);
      });
  std::string error;
  if (!upgrade_->start(binary_, argv_, fds, error)) {
    spdlog::error("upgrade failed: {}", error);
    systemd::notifyStatus(servingStatus() + "; upgrade failed: " + error);
    return;
  }
  spdlog::info("upgrade: started {} as process {}", binary_, upgrade_->pid());
}

// The new process serves on the same sockets from now on: this one stops
// accepting and drains exactly as on SIGTERM. Closing our copies of the
// listening sockets leaves them, and their queued connections, open in the
// new process.
void Server::upgradeDone(bool ready, pid_t pid, const std::string& failure) {
  if (!ready) {
    spdlog::error("upgrade failed: {}; still serving", failure);
    systemd::notifyStatus(servingStatus() + "; upgrade failed: " + failure);
    return;
  }
  spdlog::info("upgrade: new process {} is ready; draining", pid);
  if (!shuttingDown_) {
    // The new process is systemd's main process now (it sent MAINPID=):
    // from here on this one tells systemd nothing, since a STOPPING=1 from
    // it would stop the whole service, the new process included.
    beginShutdown(false);
  }
}

void Server::beginShutdown(bool tellSystemd) {
  shuttingDown_ = true;
  if (tellSystemd) {
    systemd::notifyStopping("stopping: draining " + std::to_string(connections_.load()) +
                            " connections");
  }
  admin_.reset();  // a draining gate is no longer one to scrape or to check
  spdlog::info("shutting down: no new connections, draining open ones");
  shutdownDeadline_ = clock::monotonicMs() + runtime_->config->timeouts.shutdown.count();
  for (auto& worker : workers_) {
    worker->drain();
  }
  shutdownTick_ = event_new(base_, -1, EV_PERSIST, onShutdownTick, this);
  timeval every{0, 50 * 1000};
  event_add(shutdownTick_, &every);
}

void Server::onShutdownTick(evutil_socket_t, short, void* arg) {
  static_cast<Server*>(arg)->checkShutdown();
}

void Server::checkShutdown() {
  bool all = true;
  for (auto& worker : workers_) {
    all = all && worker->finished();
  }
  if (all) {
    event_base_loopbreak(base_);
    return;
  }
  if (clock::monotonicMs() >= shutdownDeadline_) {
    spdlog::warn("timeouts.shutdown reached: closing {} remaining connections",
                 connections_.load());
    for (auto& worker : workers_) {
      worker->stop();
    }
    event_base_loopbreak(base_);
  }
}

}  // namespace httpgate::gate
