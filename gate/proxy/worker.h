// One event-loop thread. It owns its listening sockets (one per configured
// listener, bound with SO_REUSEPORT so the kernel spreads connections over
// the workers), every connection it accepts, its buffer pool and its pool of
// idle backend connections: a connection never leaves its worker. The main
// thread talks to it only through publish(), drain() and stop(), which are
// thread-safe.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gate/apps/app_starts.h"
#include "gate/limits/connection_slot.h"
#include "gate/net/buffer.h"
#include "gate/net/listeners.h"
#include "gate/proxy/backend_pool.h"
#include "gate/proxy/field_list_cache.h"
#include "gate/proxy/memory_release.h"
#include "gate/proxy/runtime.h"
#include "gate/telemetry/log_throttle.h"
#include "gate/telemetry/loop_monitor.h"
#include "gate/telemetry/metrics.h"

namespace httpgate::gate {

class ClientSide;
class Exchange;

class Worker final : public TaskQueue {
 public:
  // The worker owns `sockets` and closes them when it drains or ends.
  // `connections` (every worker's open connections) and `limits` are
  // shared by all workers; they and `appStarts` (may be null: no on-demand
  // start) outlive the worker.
  Worker(unsigned index, std::vector<ListenSocket> sockets, std::shared_ptr<const Runtime> runtime,
         std::atomic<uint32_t>& connections, GateLimits& limits, AppStarts* appStarts);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void join();

  // Thread-safe: new connections, and the next request of every open one,
  // get `runtime` from now on.
  void publish(std::shared_ptr<const Runtime> runtime);
  // Thread-safe: stop accepting and let every connection end gracefully
  // (Http1Connection::drain); the thread ends when none is left.
  void drain();
  // Thread-safe: end the loop now; remaining connections are closed.
  void stop();
  bool finished() const { return finished_.load(); }
  // Thread-safe: runs `task` on this worker's thread.
  void post(std::function<void()> task) override;

  // For the client connections of this worker (worker thread only).
  event_base* base() const { return base_; }
  BufferPool& clientBuffers() { return clientBuffers_; }
  BufferPool& backendBuffers() { return backendBuffers_; }
  BackendPool& backends() { return *backends_; }
  // Every backend connection of this worker, pooled or not (backend_census.h).
  BackendConnectionList& backendConnections() { return backendConnections_; }
  FieldListCache& fieldLists() { return fieldLists_; }
  // Ends `connection` (its last act: it is deleted).
  void destroy(ClientSide* connection);
  // Puts `next` in the place of `current` (a TLS handshake handing its
  // connection to the protocol on top), deletes `current` and starts
  // `next`: the caller's last act.
  void handOver(ClientSide* current, ClientSide* next);
  unsigned index() const { return index_; }
  // Whether a connection from `client` on `listener` may open under the
  // running configuration's listen[].max_connections and
  // limits.per_client: the slot it then holds until it ends (see
  // ClientConnection), or nullopt when refused (counted and logged, at
  // most a line per interval): the caller closes it at once. Without
  // `clientKnown` (a PROXY header will name the client) only the
  // listener's count is taken; admitClient() follows once it is read.
  std::optional<ConnectionSlot> admit(size_t listener, const sockaddr_storage& client,
                                      bool clientKnown);
  // admit()'s two steps, for a connection whose client address is known
  // only after its first bytes: its listener's count, then the client's.
  // false: refused (counted and logged); the slot releases what it took.
  bool admitToListener(ConnectionSlot& slot, size_t listener, const sockaddr_storage& client);
  bool admitClient(ConnectionSlot& slot, const sockaddr_storage& client);
  // Whether a request from `client` may go on under `config`'s
  // limits.per_client.requests: 0, else the seconds of Retry-After of its
  // 429 (counted and logged, at most a line per interval).
  uint32_t admitRequest(const Config& config, const sockaddr_storage& client);
  // This worker's counters: written by its thread only, read by the admin
  // endpoint through metricsHandle() (which keeps them alive).
  WorkerMetrics& metrics() { return *metrics_; }
  std::shared_ptr<const WorkerMetrics> metricsHandle() const { return metrics_; }
  AppStarts* appStarts() const { return appStarts_; }
  // The newest configuration snapshot this worker has received.
  const std::shared_ptr<const Runtime>& runtime() const { return runtime_; }
  // Exchanges waiting for an app start, by a number that outlives them: the
  // answer may come after the exchange is gone.
  uint64_t addAppWaiter(Exchange* exchange);
  void removeAppWaiter(uint64_t id);
  void appStartFinished(uint64_t id, bool ok, const std::string& message);

 private:
  static void onAccept(evutil_socket_t fd, short what, void* arg);
  static void onNotify(evutil_socket_t fd, short what, void* arg);
  void acceptFrom(ListenSocket socket);
  // Closes a connection to a proxy_protocol listener from outside its
  // proxy_from, counting it and logging at most once a second.
  void refuseProxySource(int fd, const sockaddr_storage& peer);
  void handleNotify();
  void closeListeners();
  void exitIfDrained();
  // Counts a refusal by `limit` and logs it, at most a line per interval.
  void refused(LimitKind limit, const sockaddr_storage& client, uint64_t value, const char* what);

  unsigned index_;
  event_base* base_ = nullptr;
  std::vector<ListenSocket> sockets_;
  struct AcceptEvent {
    Worker* worker;
    ListenSocket socket;
    event ev;
  };
  std::vector<std::unique_ptr<AcceptEvent>> acceptEvents_;
  event notify_{};
  std::thread thread_;

  std::mutex mutex_;  // guards pending_, drainRequested_, tasks_
  std::shared_ptr<const Runtime> pending_;
  bool drainRequested_ = false;
  std::vector<std::function<void()>> tasks_;

  std::shared_ptr<const Runtime> runtime_;
  std::atomic<uint32_t>& connections_;
  GateLimits& limits_;
  std::array<LogThrottle, kLimitKinds> refusalLogs_;
  BufferPool clientBuffers_;
  BufferPool backendBuffers_;
  BackendConnectionList backendConnections_;  // before anything that owns a connection
  std::unique_ptr<BackendPool> backends_;
  FieldListCache fieldLists_;
  AppStarts* appStarts_;
  std::unordered_map<uint64_t, Exchange*> appWaiters_;
  uint64_t nextAppWaiter_ = 1;
  ClientSide* clients_ = nullptr;  // an intrusive list
  size_t clientCount_ = 0;
  int64_t lastUntrustedLog_ = -1000;
  bool draining_ = false;
  std::atomic<bool> finished_{false};
  std::shared_ptr<WorkerMetrics> metrics_;
  std::unique_ptr<LoopMonitor> monitor_;
  std::unique_ptr<MemoryRelease> memoryRelease_;
};

}  // namespace httpgate::gate
