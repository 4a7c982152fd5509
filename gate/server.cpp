#include "gate/server.h"

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>

#include "gate/detach.h"

namespace httpgate::gate {
namespace {

int64_t monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

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

// Keys that later versions act on are accepted now, so configurations stay
// valid; say clearly that they have no effect yet.
void warnAboutInactiveKeys(const Config& config) {
  if (!config.admin.listen.empty()) {
    spdlog::warn(
        "{}: admin.listen: the admin endpoint (/metrics, /healthz) is not available "
        "in this version; ignored",
        config.file);
  }
  for (const AppConfig& app : config.routes.apps) {
    if (app.start) {
      spdlog::warn(
          "{}: routes.apps.{}.start: on-demand start is not available in this version; "
          "the application must already be running",
          config.file, app.name);
    }
  }
}

}  // namespace

ConfigLoader yamlConfigLoader(std::string path) {
  return [path = std::move(path)]() -> std::variant<std::shared_ptr<const Config>, std::string> {
    auto loaded = loadConfig(path);
    if (auto* error = std::get_if<ConfigError>(&loaded)) {
      return error->message;
    }
    return std::make_shared<const Config>(std::move(std::get<Config>(loaded)));
  };
}

int checkConfiguration(const std::string& path) {
  return checkConfiguration(yamlConfigLoader(path), path);
}

int checkConfiguration(const ConfigLoader& loader, const std::string& name) {
  auto loaded = loader();
  if (auto* error = std::get_if<std::string>(&loaded)) {
    fprintf(stderr, "%s\n", error->c_str());
    return 1;
  }
  auto config = std::get<std::shared_ptr<const Config>>(loaded);
  std::vector<uint16_t> ports(config->listeners.size(), 0);
  auto runtime = buildRuntime(config, ports, 0);
  if (auto* error = std::get_if<std::string>(&runtime)) {
    fprintf(stderr, "%s\n", error->c_str());
    return 1;
  }
  fprintf(stderr, "configuration %s is valid\n", name.c_str());
  return 0;
}

Server::~Server() {
  for (event* ev : signals_) {
    event_free(ev);
  }
  if (shutdownTick_ != nullptr) {
    event_free(shutdownTick_);
  }
  workers_.clear();
  if (base_ != nullptr) {
    event_base_free(base_);
  }
}

int Server::run(ServerOptions options) {
  auto loaded = loader_();
  if (auto* error = std::get_if<std::string>(&loaded)) {
    spdlog::error("{}", *error);
    return 1;
  }
  auto config = std::get<std::shared_ptr<const Config>>(loaded);
  setLogLevel(config->log.level);
  warnAboutInactiveKeys(*config);
  unsigned workers = workerCount(*config);

  auto bound = bindListeners(*config, workers);
  if (auto* error = std::get_if<std::string>(&bound)) {
    spdlog::error("{}", *error);
    return 1;
  }
  listeners_ = std::move(std::get<std::vector<BoundListener>>(bound));
  for (const BoundListener& listener : listeners_) {
    ports_.push_back(listener.port);
  }
  if (!dropPrivileges(*config)) {
    return 1;
  }
  auto built = buildRuntime(config, ports_, ++generation_);
  if (auto* error = std::get_if<std::string>(&built)) {
    spdlog::error("{}", *error);
    return 1;
  }
  runtime_ = std::get<std::shared_ptr<const Runtime>>(built);
  if (options.detach && !detachFromTerminal()) {
    spdlog::error("cannot detach: fork: {}", std::strerror(errno));
    return 1;
  }

  base_ = event_base_new();
  for (int signal : {SIGHUP, SIGTERM, SIGINT}) {
    event* ev = evsignal_new(base_, signal, onSignal, this);
    event_add(ev, nullptr);
    signals_.push_back(ev);
  }
  ::signal(SIGPIPE, SIG_IGN);

  // Workers inherit a mask that blocks the handled signals, so they are
  // delivered to the main thread only.
  sigset_t handled;
  sigemptyset(&handled);
  for (int signal : {SIGHUP, SIGTERM, SIGINT}) {
    sigaddset(&handled, signal);
  }
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &handled, &previous);
  for (unsigned w = 0; w < workers; ++w) {
    std::vector<int> fds;
    for (BoundListener& listener : listeners_) {
      fds.push_back(listener.fds[w]);
    }
    workers_.push_back(std::make_unique<Worker>(w, std::move(fds), runtime_, connections_));
    workers_.back()->start();
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);

  for (size_t i = 0; i < config->listeners.size(); ++i) {
    spdlog::info("listening on {} ({})", describeAddress(config->listeners[i].socket, ports_[i]),
                 listenerKind(config->listeners[i]));
  }
  spdlog::info("httpgate ready, {} workers", workers);
  event_base_dispatch(base_);

  for (auto& worker : workers_) {
    worker->join();
  }
  workers_.clear();
  spdlog::info("stopped");
  return 0;
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
  if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
      setuid(pw->pw_uid) != 0) {
    spdlog::error("cannot switch to user {}: {}", config.user, std::strerror(errno));
    return false;
  }
  spdlog::info("running as user {}", config.user);
  return true;
}

void Server::onSignal(evutil_socket_t signal, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  if (signal == SIGHUP) {
    self->reload();
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
  self->beginShutdown();
}

void Server::reload() {
  if (shuttingDown_) {
    return;
  }
  auto loaded = loader_();
  std::string error;
  if (auto* message = std::get_if<std::string>(&loaded)) {
    error = *message;
  } else {
    auto config = std::get<std::shared_ptr<const Config>>(loaded);
    if (!sameListeners(*runtime_->config, *config)) {
      error = config->file + ": listen: listeners cannot change on reload; restart the gate";
    } else {
      auto built = buildRuntime(config, ports_, generation_ + 1);
      if (auto* buildError = std::get_if<std::string>(&built)) {
        error = *buildError;
      } else {
        ++generation_;
        runtime_ = std::get<std::shared_ptr<const Runtime>>(built);
      }
    }
  }
  if (!error.empty()) {
    spdlog::error("reload failed, keeping the running configuration: {}", error);
    return;
  }
  setLogLevel(runtime_->config->log.level);
  warnAboutInactiveKeys(*runtime_->config);
  for (auto& worker : workers_) {
    worker->publish(runtime_);
  }
  spdlog::info("configuration reloaded");
}

void Server::beginShutdown() {
  shuttingDown_ = true;
  spdlog::info("shutting down: no new connections, draining open ones");
  shutdownDeadline_ = monotonicMs() + runtime_->config->timeouts.shutdown.count();
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
  if (monotonicMs() >= shutdownDeadline_) {
    spdlog::warn("timeouts.shutdown reached: closing {} remaining connections",
                 connections_.load());
    for (auto& worker : workers_) {
      worker->stop();
    }
    event_base_loopbreak(base_);
  }
}

}  // namespace httpgate::gate
