#include "gate/admin/admin_endpoint.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/http/responses.h"
#include "common/net/address.h"
#include "common/time/clock.h"
#include "gate/admin/admin_request.h"
#include "gate/admin/listening_ports.h"
#include "gate/admin/status_page.h"
#include "gate/admin/status_report.h"
#include "gate/net/listeners.h"
#include "gate/proxy/worker.h"
#include "version.h"

namespace httpgate::gate {
namespace {

// A scraper or a health check needs one or two at a time; more are closed
// at once so that a flood of connections cannot pin memory.
constexpr size_t kMaxAdminConnections = 16;
// A whole request (and the sending of its answer) must be done within this.
constexpr timeval kAdminTimeout{5, 0};

// Returns the listening socket or -1 with errno set. SO_REUSEPORT: the new
// process of a zero-downtime upgrade (SIGUSR2) binds the same address while
// this one still drains.
int openAdminSocket(const SocketAddress& address) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
      ::bind(fd, address.get(), address.length) < 0 || ::listen(fd, 64) < 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

uint16_t boundPort(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) < 0) {
    return 0;
  }
  return net::portOf(storage);
}

void onRead(bufferevent* bev, void* arg);
void onWritten(bufferevent* bev, void* arg);
void onEvent(bufferevent* bev, short what, void* arg);

}  // namespace

struct AdminEndpoint::Connection {
  AdminEndpoint* owner = nullptr;
  bufferevent* bev = nullptr;
  bool answered = false;
  sockaddr_storage client{};  // for the log of refusals
  // A status request waiting for the workers' census.
  std::shared_ptr<CensusGathering> gathering;
};

namespace {

void onRead(bufferevent* bev, void* arg) {
  auto* connection = static_cast<AdminEndpoint::Connection*>(arg);
  if (connection->answered) {
    return;
  }
  evbuffer* input = bufferevent_get_input(bev);
  const size_t length = std::min(evbuffer_get_length(input), kMaxAdminRequest);
  const char* data = reinterpret_cast<const char*>(evbuffer_pullup(input, length));
  connection->owner->answer(connection, std::string_view(data, length));
}

// The answer has left: close (one request per connection).
void onWritten(bufferevent*, void* arg) {
  auto* connection = static_cast<AdminEndpoint::Connection*>(arg);
  if (connection->answered) {
    connection->owner->finish(connection);
  }
}

// EOF, an error or a timeout: nothing more to do for this client.
void onEvent(bufferevent*, short, void* arg) {
  auto* connection = static_cast<AdminEndpoint::Connection*>(arg);
  connection->owner->finish(connection);
}

}  // namespace

Result<std::unique_ptr<AdminEndpoint>> AdminEndpoint::open(const Config& config) {
  using Opened = Result<std::unique_ptr<AdminEndpoint>>;
  processMetrics();  // notes the start time now, if nothing did before
  if (config.admin.listen.empty() || !config.admin.socket) {
    return Opened::success(nullptr);
  }
  const int fd = openAdminSocket(*config.admin.socket);
  if (fd < 0) {
    return Opened::fail(
        formatConfigError(config.file, config.admin.pos, "admin.listen",
                          "cannot listen on " + config.admin.listen + ": " + std::strerror(errno)));
  }
  const uint16_t port = boundPort(fd);
  return Opened::success(std::unique_ptr<AdminEndpoint>(
      new AdminEndpoint(fd, port, describeAddress(*config.admin.socket, port))));
}

AdminEndpoint::AdminEndpoint(int fd, uint16_t port, std::string address)
    : fd_(fd), port_(port), address_(std::move(address)) {
  base_ = event_base_new();
  accept_ = event_new(base_, fd_, EV_READ | EV_PERSIST, onAccept, this);
  event_add(accept_, nullptr);
}

AdminEndpoint::~AdminEndpoint() {
  if (thread_.joinable()) {
    // Safe from another thread: main() called evthread_use_pthreads().
    event_base_loopbreak(base_);
    thread_.join();
  }
  while (!connections_.empty()) {
    finish(connections_.back());
  }
  event_free(accept_);
  if (sample_ != nullptr) {
    event_free(sample_);
  }
  ::close(fd_);
  event_base_free(base_);
}

void AdminEndpoint::start(const Config& config, const std::vector<uint16_t>& ports,
                          const std::vector<std::unique_ptr<Worker>>& workers,
                          const Sources& sources) {
  for (size_t i = 0; i < config.listeners.size() && i < ports.size(); ++i) {
    sources_.listenerLabels.push_back(describeAddress(config.listeners[i].socket, ports[i]));
  }
  for (const auto& worker : workers) {
    sources_.workers.push_back(worker->metricsHandle());
    workers_.push_back(worker.get());
  }
  sources_.process = &processMetrics();
  sources_.version = HTTPGATE_VERSION;
  sources_.hosts = sources.hosts;
  sources_.certificates = sources.certificates;
  sources_.ocsp = sources.ocsp;
  sources_.acme = sources.acme;
  setUsers(config);
  history_.add(sampleTraffic(sources_.workers, static_cast<int64_t>(std::time(nullptr))));
  sample_ = event_new(base_, -1, EV_PERSIST, onSample, this);
  const timeval second{1, 0};
  event_add(sample_, &second);
  thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
  spdlog::info("admin listening on {} (/ status page, /status.json, /metrics, /healthz)", address_);
}

void AdminEndpoint::onSample(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<AdminEndpoint*>(arg);
  self->history_.add(
      sampleTraffic(self->sources_.workers, static_cast<int64_t>(std::time(nullptr))));
}

void AdminEndpoint::onAccept(evutil_socket_t, short, void* arg) {
  static_cast<AdminEndpoint*>(arg)->acceptAll();
}

void AdminEndpoint::acceptAll() {
  for (;;) {
    sockaddr_storage client{};
    socklen_t length = sizeof(client);
    const int fd =
        ::accept4(fd_, reinterpret_cast<sockaddr*>(&client), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
        spdlog::warn("admin: accept: {}", std::strerror(errno));
      }
      return;
    }
    if (connections_.size() >= kMaxAdminConnections) {
      ::close(fd);
      continue;
    }
    auto* connection = new Connection{this, nullptr, false, client, nullptr};
    connection->bev = bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
    if (connection->bev == nullptr) {
      ::close(fd);
      delete connection;
      continue;
    }
    connections_.push_back(connection);
    bufferevent_setcb(connection->bev, onRead, onWritten, onEvent, connection);
    // Stop reading once a whole admin request's worth is buffered: the
    // request is complete by then or too large (431).
    bufferevent_setwatermark(connection->bev, EV_READ, 0, kMaxAdminRequest);
    bufferevent_set_timeouts(connection->bev, &kAdminTimeout, &kAdminTimeout);
    bufferevent_enable(connection->bev, EV_READ | EV_WRITE);
  }
}

void AdminEndpoint::setUsers(const Config& config) {
  if (config.admin.allowPublic && config.admin.users.empty()) {
    spdlog::warn(
        "admin endpoint {} is public (admin.allow_public) without authentication: set "
        "admin.users",
        config.admin.listen);
  }
  auto users = std::make_shared<const AdminAuthenticator>(config.admin.users);
  std::lock_guard lock(usersMutex_);
  users_ = std::move(users);
}

bool AdminEndpoint::admitted(const AdminRequest& request, const Connection& connection) {
  if (!request.parsed || request.openPath) {
    return true;
  }
  std::shared_ptr<const AdminAuthenticator> users;
  {
    std::lock_guard lock(usersMutex_);
    users = users_;
  }
  if (!users || !users->required()) {
    return true;
  }
  std::optional<BasicCredentials> credentials;
  if (request.authorization) {
    credentials = parseBasicAuthorization(*request.authorization);
  }
  if (credentials && users->check(*credentials)) {
    return true;
  }
  uint64_t unlogged = 0;
  if (refusals_.admit(clock::monotonicMs(), unlogged)) {
    spdlog::warn("admin: refused a request from {}: {} ({} more refused since the last line)",
                 net::addressText(connection.client),
                 request.authorization ? "wrong credentials" : "no credentials", unlogged);
  }
  return false;
}

void AdminEndpoint::answer(Connection* connection, std::string_view in) {
  const AdminRequest request = classifyAdminRequest(in);
  if (!request.complete || connection->gathering) {
    return;
  }
  std::string body;
  std::string_view type = "text/plain; charset=utf-8";
  int status = admitted(request, *connection) ? request.status : 401;
  if (status != 200) {
    body = std::string(http::reasonPhrase(status)) + "\n";
    if (status == 404) {
      body = "Not Found: this endpoint serves /, /status.json, /metrics and /healthz\n";
    }
  } else if (request.page == AdminPage::Metrics) {
    body = renderMetrics(sources_);
    type = "text/plain; version=0.0.4; charset=utf-8";
  } else if (request.page == AdminPage::StatusJson || request.page == AdminPage::StatusPage) {
    // The rest of the answer waits for the workers' census (at most
    // kCensusWaitMs); reading stops meanwhile.
    bufferevent_disable(connection->bev, EV_READ);
    connection->gathering = CensusGathering::start(
        base_, workers_, kCensusWaitMs, [this, connection, request](BackendCensus census) {
          connection->gathering.reset();
          answerStatus(connection, request, census);
        });
    return;
  } else if (request.page == AdminPage::Stylesheet) {
    body = statusStylesheet();
    type = "text/css; charset=utf-8";
  } else if (request.page == AdminPage::Script) {
    body = statusScript();
    type = "text/javascript; charset=utf-8";
  } else {
    std::string problem;
    if (workersHealthy(sources_, clock::monotonicNs(), problem)) {
      body = "ok\n";
    } else {
      status = 503;
      body = "unhealthy: " + problem + "\n";
    }
  }
  respond(connection, request, status, type, body);
}

void AdminEndpoint::answerStatus(Connection* connection, const AdminRequest& request,
                                 const BackendCensus& census) {
  const StatusInputs inputs{&sources_,
                            statusBoard().view(),
                            listeningTcpPorts(),
                            static_cast<int64_t>(std::time(nullptr)),
                            clock::monotonicNs(),
                            &history_,
                            &census};
  if (request.page == AdminPage::StatusJson) {
    respond(connection, request, 200, "application/json", renderStatusJson(inputs));
  } else {
    respond(connection, request, 200, "text/html; charset=utf-8",
            renderStatusPage(statusJson(inputs)));
  }
}

void AdminEndpoint::respond(Connection* connection, const AdminRequest& request, int status,
                            std::string_view type, const std::string& body) {
  connection->answered = true;
  bufferevent_disable(connection->bev, EV_READ);
  const std::string response = formatAdminResponse(status, type, body, request.headOnly);
  bufferevent_write(connection->bev, response.data(), response.size());
}

void AdminEndpoint::finish(Connection* connection) {
  if (connection->gathering) {
    connection->gathering->cancel();
  }
  connections_.erase(std::find(connections_.begin(), connections_.end(), connection));
  bufferevent_free(connection->bev);
  delete connection;
}

}  // namespace httpgate::gate
