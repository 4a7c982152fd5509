#include "tests/support/backend.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "tests/support/bytes.h"
#include "tests/support/tls_stream.h"

namespace httpgate::test {
namespace {

// How long a backend connection may sit idle: longer than any test.
constexpr Millis kBackendIdle{120'000};

// A server context for `tls`; throws when a file does not load.
SSL_CTX* newServerContext(const BackendTlsOptions& tls) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr ||
      SSL_CTX_use_certificate_chain_file(context, tls.certPath.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context, tls.keyPath.c_str(), SSL_FILETYPE_PEM) != 1) {
    SSL_CTX_free(context);
    throw std::runtime_error("test backend: cannot load " + tls.certPath);
  }
  // Resumption of sessions made with a client certificate needs an id context.
  static const unsigned char kContext[] = "test-backend";
  SSL_CTX_set_session_id_context(context, kContext, sizeof(kContext) - 1);
  if (!tls.clientCaPath.empty()) {
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    if (SSL_CTX_load_verify_locations(context, tls.clientCaPath.c_str(), nullptr) != 1) {
      SSL_CTX_free(context);
      throw std::runtime_error("test backend: cannot load " + tls.clientCaPath);
    }
  }
  return context;
}

}  // namespace

Backend::Backend(BackendHandler handler, BackendOptions options)
    : handler_(handler ? std::move(handler) : BackendHandler(defaultReply)), options_(options) {
  if (!options_.tls.certPath.empty()) {
    tlsContext_ = newServerContext(options_.tls);
  }
  listener_ = listenTcp(options_.host, 128, &port_, options_.port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

Backend::~Backend() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  // shutdown() of a listening socket makes a blocked accept() fail on Linux.
  shutdown(listener_.get(), SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (const auto& connection : connections_) {
      if (connection->fd >= 0) {
        shutdown(connection->fd, SHUT_RDWR);  // wakes the thread's recv()
      }
    }
  }
  for (const auto& connection : connections_) {
    connection->thread.join();
  }
  SSL_CTX_free(tlsContext_);
}

void Backend::cutConnections() {
  std::unique_lock lock(mutex_);
  for (const auto& connection : connections_) {
    if (connection->fd >= 0) {
      shutdown(connection->fd, SHUT_RDWR);
    }
  }
  changed_.wait_for(lock, Millis{10'000}, [&] {
    for (const auto& connection : connections_) {
      if (!connection->done) {
        return false;
      }
    }
    return true;
  });
}

std::unique_ptr<Stream> Backend::open(int fd) {
  if (tlsContext_ == nullptr) {
    return std::make_unique<PlainStream>(UniqueFd(fd));
  }
  // The TLS stream gets a duplicate: `fd` itself stays the connection's
  // until serve() closes it under the lock, whatever the handshake does.
  std::string error;
  auto stream = TlsStream::accept(UniqueFd(dup(fd)), tlsContext_, kIoTimeout, error);
  std::lock_guard lock(mutex_);
  if (!stream) {
    ++tlsFailures_;
    lastTlsFailure_ = error;
  } else {
    tlsResumed_.push_back(stream->sessionReused());
  }
  changed_.notify_all();
  return stream;
}

void Backend::acceptLoop() {
  while (true) {
    const int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      return;
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
      close(fd);
      return;
    }
    const size_t number = ++connectionCount_;
    changed_.notify_all();
    if (options_.closeOnAccept) {
      close(fd);
      continue;
    }
    joinFinished();
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    Connection* raw = connection.get();
    connection->thread = std::thread([this, raw, number] { serve(raw, number); });
    connections_.push_back(std::move(connection));
  }
}

void Backend::joinFinished() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void Backend::serve(Connection* connection, size_t number) {
  std::unique_ptr<Stream> stream = open(connection->fd);
  if (!stream) {
    std::lock_guard lock(mutex_);
    close(connection->fd);
    connection->fd = -1;
    connection->done = true;
    changed_.notify_all();
    return;
  }
  BufferedReader in(*stream);
  in.setTap([this](std::string_view data) {
    std::lock_guard lock(mutex_);
    received_.append(data);
  });
  while (true) {
    RecordedRequest request;
    request.backendPort = port_;
    request.connection = number;
    const Deadline deadline(kBackendIdle);
    IoStatus status = readRequestHead(in, request, deadline);
    if (status == IoStatus::Eof) {
      break;
    }
    if (status == IoStatus::Ok && request.expectsContinue() && request.hasBody() &&
        options_.answerContinue) {
      stream->writeAll("HTTP/1.1 100 Continue\r\n\r\n", kIoTimeout);
    }
    if (status == IoStatus::Ok) {
      status = readRequestBody(in, request, deadline);
    }
    record(request);
    if (status != IoStatus::Ok || !respond(*stream, in, request)) {
      break;
    }
  }
  // Closing under the lock: the destructor never shuts down a reused descriptor.
  std::lock_guard lock(mutex_);
  stream.reset();
  if (tlsContext_ != nullptr) {
    close(connection->fd);  // the stream had a duplicate (open())
  }
  connection->fd = -1;
  connection->done = true;
  changed_.notify_all();
}

bool Backend::respond(Stream& stream, BufferedReader& in, const RecordedRequest& request) {
  const BackendReply reply = handler_(request);
  if (reply.delay.count() > 0 && !pause(reply.delay)) {
    return false;
  }
  if (reply.neverAnswer) {
    std::string ignored;
    while (in.readSome(ignored, Deadline(kBackendIdle)) == IoStatus::Ok) {
      ignored.clear();
    }
    return false;
  }
  std::string bytes = reply.serialize();
  if (reply.dieAfter) {
    stream.writeAll(std::string_view(bytes).substr(0, *reply.dieAfter), kIoTimeout);
    return false;
  }
  if (reply.tunnel) {
    bytes += reply.tunnelGreeting;
    bytes += in.takeBuffered();  // tunnel bytes that came with the request
    if (stream.writeAll(bytes, kIoTimeout) != IoStatus::Ok) {
      return false;
    }
    std::string data;
    while (in.readSome(data, Deadline(kBackendIdle)) == IoStatus::Ok &&
           stream.writeAll(data, kIoTimeout) == IoStatus::Ok) {
      data.clear();
    }
    return false;
  }
  if (stream.writeAll(bytes, Millis{60'000}) != IoStatus::Ok) {
    return false;
  }
  const bool closes = reply.close || reply.framing == BackendReply::Framing::UntilClose ||
                      fieldHasToken(request.fields, "Connection", "close");
  return !closes;
}

void Backend::record(RecordedRequest request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  changed_.notify_all();
}

bool Backend::pause(Millis delay) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, delay, [this] { return stopping_; });
}

std::vector<bool> Backend::tlsResumed() const {
  std::lock_guard lock(mutex_);
  return tlsResumed_;
}

size_t Backend::tlsFailures() const {
  std::lock_guard lock(mutex_);
  return tlsFailures_;
}

std::string Backend::lastTlsFailure() const {
  std::lock_guard lock(mutex_);
  return lastTlsFailure_;
}

bool Backend::waitForTlsFailures(size_t count, Millis timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return tlsFailures_ >= count; });
}

size_t Backend::connectionCount() const {
  std::lock_guard lock(mutex_);
  return connectionCount_;
}

size_t Backend::requestCount() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::vector<RecordedRequest> Backend::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::string Backend::receivedBytes() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool Backend::waitForRequests(size_t count, Millis timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

bool Backend::waitForConnections(size_t count, Millis timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return connectionCount_ >= count; });
}

std::string Backend::defaultBody(uint16_t port, std::string_view target) {
  return "port=" + std::to_string(port) + " target=" + std::string(target);
}

BackendReply Backend::defaultReply(const RecordedRequest& request) {
  BackendReply reply;
  reply.fields.emplace_back("Content-Type", "text/plain");
  reply.body = defaultBody(request.backendPort, request.target);
  return reply;
}

BackendReply echoReply(const RecordedRequest& request) {
  BackendReply reply;
  reply.body = request.body;
  return reply;
}

BackendReply digestReply(const RecordedRequest& request) {
  BackendReply reply;
  reply.body = sha256Hex(request.body);
  return reply;
}

}  // namespace httpgate::test
