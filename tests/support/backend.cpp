#include "tests/support/backend.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "tests/support/bytes.h"

namespace httpgate::test {
namespace {

// How long a backend connection may sit idle: longer than any test.
constexpr Millis kBackendIdle{120'000};

}  // namespace

Backend::Backend(BackendHandler handler, BackendOptions options)
    : handler_(handler ? std::move(handler) : BackendHandler(defaultReply)), options_(options) {
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
  auto stream = std::make_unique<PlainStream>(UniqueFd(connection->fd));
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
  connection->fd = -1;
  connection->done = true;
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
