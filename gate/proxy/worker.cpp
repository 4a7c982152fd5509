#include "gate/proxy/worker.h"

#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net/address.h"
#include "common/time/clock.h"
#include "gate/limits/client_limits.h"
#include "gate/proxy/http1_connection.h"
#include "gate/proxy/proxy_header_reader.h"
#include "gate/proxy/tls_handshake.h"

namespace httpgate::gate {
namespace {

// Accepts per readiness event, so one listener cannot monopolise the loop.
constexpr int kAcceptBatch = 64;
// Idle backend connections kept per backend port and worker: more than
// one HTTP/2 client's streams may ask for at once
// (limits.http2.max_concurrent_streams, 100 by default), so that a burst
// of its requests does not close and reopen backend connections. Idle ones
// hold no buffers (about 1 KiB each) and go after kBackendIdleLimit.
constexpr size_t kMaxIdlePerBackend = 256;
constexpr std::chrono::seconds kBackendIdleLimit{60};

// Client input holds request heads: 16 KiB, or the configured head limit.
size_t clientBufferSize(const Runtime& runtime) {
  return std::max<size_t>(16 * 1024, runtime.config->limits.maxRequestHeader);
}

// Backend input is where response bodies pass through: 64 KiB takes a large
// response in a quarter of the reads a 16 KiB buffer needs (four TLS records
// per read), and is only held while bytes are in flight.
size_t backendBufferSize(const Runtime& runtime) {
  return std::max<size_t>(64 * 1024, runtime.responseLimits.maxHeadBytes);
}

}  // namespace

Worker::Worker(unsigned index, std::vector<ListenSocket> sockets,
               std::shared_ptr<const Runtime> runtime, std::atomic<uint32_t>& connections,
               GateLimits& limits, AppStarts* appStarts)
    : index_(index),
      sockets_(std::move(sockets)),
      runtime_(std::move(runtime)),
      connections_(connections),
      limits_(limits),
      // Small free lists: enough to skip malloc on the busy path, too few
      // to hold memory that idle connections do not use.
      clientBuffers_(clientBufferSize(*runtime_), 32),
      backendBuffers_(backendBufferSize(*runtime_), 8),
      appStarts_(appStarts) {
  // evthread_use_pthreads() (called in main) gives the base the lock that
  // makes event_active() on notify_ safe from the main thread.
  base_ = event_base_new();
  metrics_ = std::make_shared<WorkerMetrics>(runtime_->config->listeners.size());
  monitor_ = std::make_unique<LoopMonitor>(base_, *metrics_);
  memoryRelease_ = std::make_unique<MemoryRelease>(base_, index_);
  backends_ = std::make_unique<BackendPool>(base_, kMaxIdlePerBackend, kBackendIdleLimit);
  event_assign(&notify_, base_, -1, EV_PERSIST, onNotify, this);
  event_add(&notify_, nullptr);
  for (const ListenSocket& socket : sockets_) {
    auto accept = std::make_unique<AcceptEvent>();
    accept->worker = this;
    accept->socket = socket;
    event_assign(&accept->ev, base_, socket.fd, EV_READ | EV_PERSIST, onAccept, accept.get());
    event_add(&accept->ev, nullptr);
    acceptEvents_.push_back(std::move(accept));
  }
}

Worker::~Worker() {
  join();
  while (clients_ != nullptr) {
    destroy(clients_);
  }
  closeListeners();
  event_del(&notify_);
  monitor_.reset();
  memoryRelease_.reset();
  backends_.reset();
  event_base_free(base_);
}

void Worker::start() {
  thread_ = std::thread([this] {
    event_base_dispatch(base_);
    metrics_->stopped = true;
    finished_ = true;
  });
}

void Worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::publish(std::shared_ptr<const Runtime> runtime) {
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(runtime);
  }
  event_active(&notify_, EV_READ, 0);
}

void Worker::drain() {
  {
    std::lock_guard lock(mutex_);
    drainRequested_ = true;
  }
  event_active(&notify_, EV_READ, 0);
}

void Worker::stop() {
  event_base_loopbreak(base_);
}

void Worker::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  event_active(&notify_, EV_READ, 0);
}

uint64_t Worker::addAppWaiter(Exchange* exchange) {
  uint64_t id = nextAppWaiter_++;
  appWaiters_.emplace(id, exchange);
  return id;
}

void Worker::removeAppWaiter(uint64_t id) {
  appWaiters_.erase(id);
}

void Worker::appStartFinished(uint64_t id, bool ok, const std::string& message) {
  auto found = appWaiters_.find(id);
  if (found == appWaiters_.end()) {
    return;  // the exchange ended while the app started
  }
  Exchange* exchange = found->second;
  appWaiters_.erase(found);
  exchange->appStartFinished(ok, message);
}

void Worker::onNotify(evutil_socket_t, short, void* arg) {
  static_cast<Worker*>(arg)->handleNotify();
}

void Worker::handleNotify() {
  std::shared_ptr<const Runtime> runtime;
  bool drain = false;
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mutex_);
    runtime = std::move(pending_);
    drain = drainRequested_ && !draining_;
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) {
    task();
  }
  if (runtime) {
    runtime_ = std::move(runtime);
    clientBuffers_.setBlockSize(clientBufferSize(*runtime_));
    backendBuffers_.setBlockSize(backendBufferSize(*runtime_));
    if (!drain && !draining_) {
      // configurationChanged() may destroy the connection: step on first.
      for (ClientSide* client = clients_; client != nullptr;) {
        ClientSide* next = client->next;
        client->configurationChanged();
        client = next;
      }
    }
  }
  if (drain) {
    draining_ = true;
    closeListeners();
    backends_->clear();
    // drain() may destroy the connection: step to the next one first.
    for (ClientSide* client = clients_; client != nullptr;) {
      ClientSide* next = client->next;
      client->drain();
      client = next;
    }
    exitIfDrained();
  }
}

void Worker::closeListeners() {
  for (auto& accept : acceptEvents_) {
    event_del(&accept->ev);
  }
  acceptEvents_.clear();
  for (const ListenSocket& socket : sockets_) {
    ::close(socket.fd);
  }
  sockets_.clear();
}

void Worker::onAccept(evutil_socket_t, short, void* arg) {
  auto* accept = static_cast<AcceptEvent*>(arg);
  accept->worker->acceptFrom(accept->socket);
}

void Worker::acceptFrom(ListenSocket socket) {
  for (int i = 0; i < kAcceptBatch && !draining_; ++i) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    int fd = ::accept4(socket.fd, reinterpret_cast<sockaddr*>(&peer), &length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        spdlog::error("accept: {} (raise the file descriptor limit)", std::strerror(errno));
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                 errno != ECONNABORTED) {
        spdlog::warn("accept: {}", std::strerror(errno));
      }
      return;
    }
    const uint32_t maxConnections = runtime_->config->limits.maxConnections;
    if (connections_.fetch_add(1) >= maxConnections) {
      connections_.fetch_sub(1);
      ::close(fd);
      refused(LimitKind::MaxConnections, peer, maxConnections, "limits.max_connections");
      continue;
    }
    const ListenConfig& config = runtime_->config->listeners[socket.listener];
    if (config.proxyProtocol && !config.proxyFrom.contains(peer)) {
      refuseProxySource(fd, peer);
      continue;
    }
    std::optional<ConnectionSlot> slot = admit(socket.listener, peer, !config.proxyProtocol);
    if (!slot) {
      connections_.fetch_sub(1);
      ::close(fd);  // no byte sent: the client sees the connection closed
      continue;
    }
    ClientSide* client = nullptr;
    if (config.proxyProtocol) {
      // Only a balancer may say who the client is; anybody else is refused
      // before a byte is read. The client's own limit waits for its
      // address, in the header (ProxyHeaderReader).
      client = new ProxyHeaderReader(*this, runtime_, socket.listener, fd, peer, std::move(*slot));
    } else if (runtime_->tls[socket.listener]) {
      client = new TlsHandshake(*this, runtime_, socket.listener, fd, peer, std::move(*slot));
    } else {
      client = new Http1Connection(*this, runtime_, socket.listener, fd, peer, std::move(*slot));
      metrics_->connectionsByProtocol[static_cast<size_t>(Protocol::Http1)].add();
    }
    client->next = clients_;
    if (clients_ != nullptr) {
      clients_->prev = client;
    }
    clients_ = client;
    ++clientCount_;
    memoryRelease_->opened(clientCount_);
    client->start();  // may destroy it
  }
}

void Worker::refuseProxySource(int fd, const sockaddr_storage& peer) {
  ::close(fd);
  connections_.fetch_sub(1);
  metrics_->proxyHeaderFailures[static_cast<size_t>(ProxyHeaderFailure::UntrustedSource)].add();
  // At most one line a second: whoever knocks decides how often.
  const int64_t now = clock::coarseMs();
  if (now - lastUntrustedLog_ >= 1000) {
    lastUntrustedLog_ = now;
    char text[INET6_ADDRSTRLEN];
    net::formatAddress(peer, text, sizeof(text));
    spdlog::warn("{}: connection refused: not in proxy_from of a proxy_protocol listener", text);
  }
}

std::optional<ConnectionSlot> Worker::admit(size_t listener, const sockaddr_storage& client,
                                            bool clientKnown) {
  ConnectionSlot slot;
  if (!admitToListener(slot, listener, client) || (clientKnown && !admitClient(slot, client))) {
    return std::nullopt;
  }
  return slot;
}

bool Worker::admitToListener(ConnectionSlot& slot, size_t listener,
                             const sockaddr_storage& client) {
  const uint32_t limit = runtime_->config->listeners[listener].maxConnections;
  if (!slot.takeListener(limits_, listener, limit)) {
    refused(LimitKind::ListenerConnections, client, limit, "listen[].max_connections");
    return false;
  }
  return true;
}

bool Worker::admitClient(ConnectionSlot& slot, const sockaddr_storage& client) {
  const PerClientLimits& perClient = runtime_->config->limits.perClient;
  switch (admitClientConnection(limits_, slot, perClient, client, clock::coarseMs())) {
    case ClientTable::Admit::Admitted:
      return true;
    case ClientTable::Admit::Untracked:
      metrics_->clientTableFull.add();
      return true;
    case ClientTable::Admit::Refused:
      refused(LimitKind::ClientConnections, client, perClient.connections,
              "limits.per_client.connections");
      return false;
  }
  return true;
}

uint32_t Worker::admitRequest(const Config& config, const sockaddr_storage& client) {
  const PerClientLimits& perClient = config.limits.perClient;
  const ClientTable::RequestVerdict verdict =
      admitClientRequest(limits_.clients(), perClient, client, clock::coarseMs());
  if (!verdict.tracked) {
    metrics_->clientTableFull.add();
  } else if (verdict.retryAfter != 0) {
    refused(LimitKind::ClientRequests, client, perClient.requestBurst,
            "limits.per_client.requests burst");
  }
  return verdict.retryAfter;
}

void Worker::refused(LimitKind limit, const sockaddr_storage& client, uint64_t value,
                     const char* what) {
  metrics_->limited[static_cast<size_t>(limit)].add();
  uint64_t unlogged = 0;
  if (!refusalLogs_[static_cast<size_t>(limit)].admit(clock::coarseMs(), unlogged)) {
    return;
  }
  const bool request = limit == LimitKind::ClientRequests;
  spdlog::warn("{} ({}) reached by {}: {} ({} more refused since the last such line)", what, value,
               net::addressText(client), request ? "request answered 429" : "connection refused",
               unlogged);
}

void Worker::handOver(ClientSide* current, ClientSide* next) {
  next->prev = current->prev;
  next->next = current->next;
  if (current->prev != nullptr) {
    current->prev->next = next;
  } else {
    clients_ = next;
  }
  if (current->next != nullptr) {
    current->next->prev = next;
  }
  delete current;
  next->start();  // may destroy it
}

void Worker::destroy(ClientSide* client) {
  if (client->prev != nullptr) {
    client->prev->next = client->next;
  } else {
    clients_ = client->next;
  }
  if (client->next != nullptr) {
    client->next->prev = client->prev;
  }
  --clientCount_;
  connections_.fetch_sub(1);
  delete client;
  memoryRelease_->closed(clientCount_);
  exitIfDrained();
}

void Worker::exitIfDrained() {
  if (draining_ && clientCount_ == 0) {
    event_base_loopexit(base_, nullptr);
  }
}

}  // namespace httpgate::gate
