#include "gate/apps/app_starts.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <string_view>

#include "gate/telemetry/metrics.h"
#include "gate/telemetry/status_board.h"

namespace httpgate::gate {

AppStarts::AppStarts(int helperFd) : fd_(helperFd) {}

AppStarts::~AppStarts() {
  if (event_ != nullptr) {
    event_free(event_);
  }
  ::close(fd_);
}

void AppStarts::attach(event_base* base) {
  event_ = event_new(base, fd_, EV_READ | EV_PERSIST, onReadable, this);
  event_add(event_, nullptr);
}

void AppStarts::reload() {
  std::lock_guard lock(mutex_);
  if (!helperGone_) {
    send(fd_, "reload", 6, MSG_NOSIGNAL);
  }
}

void AppStarts::request(const std::string& app, TaskQueue& answers, Done done) {
  std::string failure;
  {
    std::lock_guard lock(mutex_);
    if (auto running = startingApps_.find(app); running != startingApps_.end()) {
      pending_[running->second].waiters.push_back({&answers, std::move(done)});
      return;
    }
    if (helperGone_) {
      failure = "the start helper is not running";
    } else {
      uint64_t id = nextId_++;
      std::string message = "start " + std::to_string(id) + " " + app;
      if (send(fd_, message.data(), message.size(), MSG_NOSIGNAL) < 0) {
        failure = std::string("cannot reach the start helper: ") + std::strerror(errno);
      } else {
        startingApps_.emplace(app, id);
        Pending& pending = pending_[id];
        pending.app = app;
        pending.waiters.push_back({&answers, std::move(done)});
        return;
      }
    }
  }
  answers.post([done = std::move(done), failure] { done(false, failure); });
}

void AppStarts::onReadable(evutil_socket_t, short, void* arg) {
  static_cast<AppStarts*>(arg)->readAnswers();
}

void AppStarts::readAnswers() {
  for (;;) {
    char buf[1024];
    ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return;
    }
    if (n <= 0) {
      spdlog::error("the start helper exited; apps can no longer be started on demand");
      event_del(event_);
      failAll("the start helper is not running");
      return;
    }
    // "ID ok" or "ID fail MESSAGE"
    std::string_view answer(buf, static_cast<size_t>(n));
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(answer.data(), answer.data() + answer.size(), id);
    std::string_view rest = answer.substr(static_cast<size_t>(end - answer.data()));
    if (ec != std::errc() || rest.empty() || rest.front() != ' ') {
      spdlog::error("start helper: malformed answer ignored");
      continue;
    }
    rest.remove_prefix(1);
    if (rest == "ok") {
      finish(id, true, {});
    } else if (rest.substr(0, 5) == "fail ") {
      finish(id, false, std::string(rest.substr(5)));
    } else {
      spdlog::error("start helper: malformed answer ignored");
    }
  }
}

void AppStarts::finish(uint64_t id, bool ok, const std::string& message) {
  Pending pending;
  {
    std::lock_guard lock(mutex_);
    auto found = pending_.find(id);
    if (found == pending_.end()) {
      return;
    }
    pending = std::move(found->second);
    pending_.erase(found);
    startingApps_.erase(pending.app);
  }
  statusBoard().appStartEnded(pending.app, ok, ok ? "" : message,
                              static_cast<int64_t>(std::time(nullptr)));
  if (ok) {
    processMetrics().appsStarted.add();
    spdlog::info("app {} is running", pending.app);
  } else {
    processMetrics().appStartFailures.add();
    spdlog::error("app {}: start failed: {}", pending.app, message);
  }
  for (Waiter& waiter : pending.waiters) {
    waiter.answers->post([done = std::move(waiter.done), ok, message] { done(ok, message); });
  }
}

void AppStarts::failAll(const std::string& message) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(mutex_);
    helperGone_ = true;
    for (const auto& [id, pending] : pending_) {
      ids.push_back(id);
    }
  }
  for (uint64_t id : ids) {
    finish(id, false, message);
  }
}

}  // namespace httpgate::gate
