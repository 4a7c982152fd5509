// The admin endpoint (admin.listen): plain HTTP on a loopback address by
// default, answering GET /metrics and GET /healthz on a thread and event
// loop of its own, so that scrapes never run on a worker's loop and a busy
// worker cannot stall a scrape either. Every connection carries one request
// and is closed after the answer; reads are bounded (kMaxAdminRequest) and
// timed out, and few connections are served at once.
#pragma once

#include <event2/event.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "gate/admin/admin_request.h"
#include "gate/admin/basic_auth.h"
#include "gate/admin/census_gathering.h"
#include "gate/admin/metrics_report.h"
#include "gate/admin/traffic_history.h"
#include "gate/config/config.h"
#include "gate/telemetry/log_throttle.h"

namespace httpgate::gate {

class Worker;

class AdminEndpoint {
 public:
  // Binds admin.listen of `config` (before privileges are dropped, so a
  // port below 1024 works). Returns null when admin.listen is empty, or the
  // error "FILE:LINE:COL: admin.listen: cannot listen on ADDR: reason".
  static Result<std::unique_ptr<AdminEndpoint>> open(const Config& config);

  // Stops the thread and closes the socket and every admin connection.
  ~AdminEndpoint();
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

  // What the pages read besides the workers' counters; any may be null,
  // all must outlive the endpoint.
  struct Sources {
    const HostHealthRegistry* hosts = nullptr;          // routes.hosts health
    const CertificateRegistry* certificates = nullptr;  // the certificates in use
    const OcspStapler* ocsp = nullptr;                  // OCSP fetch counters
    const AcmeManager* acme = nullptr;                  // tls.acme
  };

  // Starts answering on its own thread with the counters of `workers`,
  // listener labels made from `config` and the bound `ports`, and
  // `sources`. Logs "admin listening on ADDR:PORT". Call with the handled
  // signals blocked (the main thread must get them).
  void start(const Config& config, const std::vector<uint16_t>& ports,
             const std::vector<std::unique_ptr<Worker>>& workers, const Sources& sources);

  uint16_t port() const { return port_; }

  // Takes admin.users of `config` (a reload's; start() takes the first):
  // from the next request on, every path but /healthz needs one of them.
  // Warns when the endpoint is public (admin.allow_public) with no users.
  // Any thread.
  void setUsers(const Config& config);

  // Internal, for the connections (admin thread only).
  struct Connection;
  void finish(Connection* connection);
  void answer(Connection* connection, std::string_view in);

 private:
  AdminEndpoint(int fd, uint16_t port, std::string address);
  static void onAccept(evutil_socket_t fd, short, void* arg);
  static void onSample(evutil_socket_t fd, short, void* arg);
  void acceptAll();
  // Whether `request` may see its page: /healthz always; anything else
  // only with valid credentials when admin.users is set. Logs refusals
  // (at most one line a second).
  bool admitted(const AdminRequest& request, const Connection& connection);
  // / and /status.json, once the workers' census is in.
  void answerStatus(Connection* connection, const AdminRequest& request,
                    const BackendCensus& census);
  // Writes the answer; the connection closes once it has left.
  void respond(Connection* connection, const AdminRequest& request, int status,
               std::string_view type, const std::string& body);

  // How long a status request waits for the workers' census.
  static constexpr int kCensusWaitMs = 250;

  int fd_ = -1;
  uint16_t port_ = 0;
  std::string address_;  // as logged: "127.0.0.1:9180"
  event_base* base_ = nullptr;
  event* accept_ = nullptr;
  event* sample_ = nullptr;  // once a second: history_
  TrafficHistory history_;   // admin thread only
  std::thread thread_;
  MetricsSources sources_;
  std::vector<Worker*> workers_;  // for the census; they outlive this endpoint
  mutable std::mutex usersMutex_;
  std::shared_ptr<const AdminAuthenticator> users_;  // under usersMutex_
  LogThrottle refusals_{1000};                       // admin thread only
  std::vector<Connection*> connections_;             // open ones, at most kMaxAdminConnections
};

}  // namespace httpgate::gate
