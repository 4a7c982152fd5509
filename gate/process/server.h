// The main thread: loads the configuration, binds the listeners (or adopts
// them from the process it upgrades), drops privileges, starts the workers,
// and then only handles signals — HUP reloads, TERM/INT drain and stop,
// USR2 starts the new binary on the same sockets and then drains.
#pragma once

#include <event2/event.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gate/admin/admin_endpoint.h"
#include "gate/apps/app_starts.h"
#include "gate/config/config_loader.h"
#include "gate/limits/connection_slot.h"
#include "gate/net/listeners.h"
#include "gate/process/upgrade.h"
#include "gate/proxy/runtime.h"
#include "gate/proxy/worker.h"
#include "gate/tls/acme_manager.h"

namespace httpgate::gate {

struct ServerOptions {
  // Detach (see detach.h) after binding and loading, before the workers start.
  bool detach = false;
};

class Server {
 public:
  explicit Server(ConfigLoader loader) : loader_(std::move(loader)) {}
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The command line to run again on SIGUSR2 (argv[0] included); the
  // binary is the one running now, read here, at start-up. Without it,
  // SIGUSR2 only logs that no upgrade is possible.
  void rememberCommandLine(int argc, char** argv);

  // Runs the gate until it is stopped; returns the exit code.
  int run(ServerOptions options = {});

 private:
  static void onSignal(evutil_socket_t signal, short, void* arg);
  static void onShutdownTick(evutil_socket_t, short, void* arg);
  void reload();
  // A new ACME certificate is in the storage: the TLS contexts are built
  // again from the running configuration and published, as a reload does.
  void refreshCertificates();
  static void onAcmeRefresh(evutil_socket_t, short, void* arg);
  void startUpgrade();
  void upgradeDone(bool ready, pid_t pid, const std::string& failure);
  // `tellSystemd`: send STOPPING=1 (not when an upgrade handed over).
  void beginShutdown(bool tellSystemd);
  std::string servingStatus() const;
  void checkShutdown();
  bool dropPrivileges(const Config& config);
  void stopStartHelper();
  bool setUp(const std::shared_ptr<const Config>& config, unsigned workers,
             std::vector<int> listenFds, const ServerOptions& options);
  void startWorkers(const Config& config, unsigned workers);

  ConfigLoader loader_;
  event_base* base_ = nullptr;
  std::vector<event*> signals_;
  event* shutdownTick_ = nullptr;
  std::vector<BoundListener> listeners_;
  std::vector<uint16_t> ports_;
  // OCSP stapling, before runtime_ (whose contexts hold its slots) and
  // admin_ (which reads its counters).
  OcspStapler ocsp_;
  // tls.acme; its thread wakes the main loop through acmeRefresh_.
  std::unique_ptr<AcmeManager> acme_;
  event* acmeRefresh_ = nullptr;
  std::shared_ptr<const Runtime> runtime_;
  HostHealthRegistry hostHealth_;         // before admin_, which reads it
  CertificateRegistry certificates_;      // the same
  std::unique_ptr<AppStarts> appStarts_;  // before workers_: they use it
  // Shared by the workers, kept across reloads (gate/limits/).
  std::unique_ptr<GateLimits> limits_;
  pid_t startHelper_ = -1;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::string binary_;
  std::vector<std::string> argv_;
  std::unique_ptr<Upgrade> upgrade_;
  std::unique_ptr<AdminEndpoint> admin_;  // null when admin.listen is empty
  std::atomic<uint32_t> connections_{0};
  uint64_t generation_ = 0;
  bool shuttingDown_ = false;
  int64_t shutdownDeadline_ = 0;
};

// Loads `path` and builds everything from it without binding: the -t check.
// Prints the outcome on stderr and returns the exit code (0 or 1).
int checkConfiguration(const std::string& path);
// The same for any loader; `name` is what "configuration NAME is valid" names.
int checkConfiguration(const ConfigLoader& loader, const std::string& name);

}  // namespace httpgate::gate
