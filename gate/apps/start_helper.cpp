#include "gate/apps/start_helper.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "common/net/address.h"
#include "gate/apps/app_spawn.h"

namespace httpgate::gate {
namespace {

constexpr int kHelperFd = 3;
constexpr size_t kMaxMessage = 512;

void reply(int fd, const std::string& message) {
  // A datagram is written whole or not at all; starts replying from their
  // own processes therefore never interleave.
  send(fd, message.data(), message.size(), MSG_NOSIGNAL);
}

void reapStarters() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

// Answers one "start ID NAME" from its own process, so that a slow start
// does not hold up the others.
void handleStart(int fd, const Config& config, std::string_view id, std::string_view name) {
  const AppConfig* app = config.routes.findApp(name);
  if (app == nullptr || !app->start || app->port == 0) {
    reply(fd, std::string(id) + " fail no app \"" + std::string(name) +
                  "\" with a start command in the configuration");
    return;
  }
  AppSpawnSpec spec;
  spec.name = app->name;
  spec.port = app->port;
  spec.address = config.routes.hostFor(app->port).socket;
  net::setPort(spec.address.storage, app->port);
  spec.start = *app->start;
  if (const char* lang = getenv("LANG")) {
    spec.lang = lang;
  }
  pid_t pid = fork();
  if (pid < 0) {
    reply(fd, std::string(id) + " fail fork: " + std::strerror(errno));
    return;
  }
  if (pid == 0) {
    std::string error = ensureAppRunning(spec);
    reply(fd, std::string(id) + (error.empty() ? " ok" : " fail " + error));
    _exit(0);
  }
}

[[noreturn]] void helperMain(ConfigLoader loader, std::shared_ptr<const Config> config) {
  prctl(PR_SET_NAME, "httpgate-start");
  // Signals for the whole process group (a terminal's Ctrl-C or hangup,
  // `pkill -f`, systemd stopping the unit's cgroup) are for the gate, which
  // decides: it may still need an app started while it drains. The helper
  // ends when the gate closes its end of the socketpair, also when the gate
  // is killed outright.
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  for (;;) {
    pollfd pfd{kHelperFd, POLLIN, 0};
    int ready = poll(&pfd, 1, 1000);
    reapStarters();
    if (ready <= 0) {
      continue;
    }
    char buf[kMaxMessage];
    ssize_t n = recv(kHelperFd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      _exit(0);  // the gate is gone
    }
    if (n < 0) {
      continue;
    }
    std::string_view message(buf, static_cast<size_t>(n));
    if (message == "reload") {
      auto loaded = loader();
      if (!loaded.ok()) {
        spdlog::error("start helper: reload failed, keeping the running configuration: {}",
                      loaded.error());
      } else {
        config = loaded.value();
      }
      continue;
    }
    // "start ID NAME"
    constexpr std::string_view kStart = "start ";
    size_t space = message.find(' ', kStart.size());
    if (message.substr(0, kStart.size()) != kStart || space == std::string_view::npos) {
      spdlog::error("start helper: malformed request ignored");
      continue;
    }
    handleStart(kHelperFd, *config, message.substr(kStart.size(), space - kStart.size()),
                message.substr(space + 1));
  }
}

}  // namespace

std::optional<StartHelperHandle> forkStartHelper(ConfigLoader loader,
                                                 std::shared_ptr<const Config> config) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    spdlog::error("start helper: socketpair: {}", std::strerror(errno));
    return std::nullopt;
  }
  pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("start helper: fork: {}", std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    // Only its socket and the standard streams: listening sockets must not
    // outlive the gate in here.
    if (dup2(fds[1], kHelperFd) < 0) {
      _exit(1);
    }
    close_range(kHelperFd + 1, ~0U, 0);
    helperMain(std::move(loader), std::move(config));
  }
  ::close(fds[1]);
  return StartHelperHandle{pid, fds[0]};
}

}  // namespace httpgate::gate
