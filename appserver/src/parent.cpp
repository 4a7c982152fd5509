#include "appserver/src/parent.h"

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "appserver/src/handoff.h"
#include "appserver/src/log.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/session_child.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver::detail {
namespace {

using namespace std::chrono_literals;

// How long TERM waits for the children before killing them.
constexpr std::chrono::milliseconds kShutdownWait = 10s;

// The parent process id of process `pid` from /proc/<pid>/stat, or -1. The
// command name in parentheses may itself hold ") ", so the fields are read
// after the last ')'.
pid_t parentOf(const std::string& pid) {
  std::ifstream file("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(file, line)) {
    return -1;
  }
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 4 >= line.size()) {
    return -1;
  }
  // ") S 1234 ..." : state, then the parent's pid.
  return static_cast<pid_t>(std::atol(line.c_str() + close + 4));
}

}  // namespace

Parent::Parent(const Options& options, const Routes& routes, const TlsServer* tls, int argc,
               char** argv)
    : options_(options),
      routes_(routes),
      tls_(tls),
      reexec_(argc, argv),
      signals_({SIGCHLD, SIGTERM, SIGINT, SIGHUP}),
      refusals_(tls),
      lastChild_(Clock::now()) {
  ::signal(SIGPIPE, SIG_IGN);
}

Parent::~Parent() {
  if (listenFd_ >= 0) {
    ::close(listenFd_);
  }
}

// After a HUP the sessions of the previous image are still this process's
// children (exec keeps the pid): find them, so that they are counted
// against maxSessions, reaped, and sent TERM at shutdown.
void Parent::adoptChildren() {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return;
  }
  const pid_t self = ::getpid();
  for (int count = 0; count < 1'000'000; ++count) {
    dirent* entry = ::readdir(proc);
    if (entry == nullptr) {
      break;
    }
    std::string name = entry->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) {
      continue;
    }
    if (parentOf(name) == self) {
      children_.insert(static_cast<pid_t>(std::atol(name.c_str())));
    }
  }
  ::closedir(proc);
  if (!children_.empty()) {
    logLine("%zu sessions of the previous image continue", children_.size());
  }
}

int Parent::run() {
  if (!signals_.valid()) {
    logLine("cannot create the signal pipe: %s", std::strerror(errno));
    return 1;
  }
  listenFd_ = Reexec::openListener(options_);
  if (listenFd_ < 0) {
    return 1;
  }
  adoptChildren();
  if (options_.model == Model::Pool) {
    pool_ = std::make_unique<ReadyPool>(options_.pool, Clock::now());
    logLine("model pool: %u ready session processes (up to %u)", options_.pool.ready,
            options_.pool.maxReady);
  }
  // A HUP blocked signals around exec(); they stay pending across it and
  // arrive here, now that the handlers are in place.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  reapChildren();

  for (;;) {
    Clock::time_point now = Clock::now();
    if (options_.retire.count() > 0 && children_.empty() && now - lastChild_ >= options_.retire) {
      logLine("retiring: no session for %lld ms", static_cast<long long>(options_.retire.count()));
      retirePool();
      return 0;
    }
    refillPool();
    std::vector<pollfd> fds;
    fds.push_back({signals_.fd(), POLLIN, 0});
    fds.push_back({listenFd_, POLLIN, 0});
    refusals_.watch(fds);
    const size_t poolFds = fds.size();
    if (pool_) {
      pool_->watch(fds);
    }
    const long long wait = pollTimeout(now);
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait));
    if (ready < 0 && errno != EINTR) {
      logLine("poll failed: %s", std::strerror(errno));
      continue;
    }
    if (pool_) {
      // Before reaping, which forgets entries and so shifts the pollfds.
      pool_->readReports(fds, poolFds, Clock::now());
    }
    if (fds[0].revents != 0) {
      unsigned long seen = signals_.take();
      if ((seen & (1UL << SIGCHLD)) != 0) {
        reapChildren();
      }
      if ((seen & (1UL << SIGTERM)) != 0) {
        return shutDown("TERM");
      }
      if ((seen & (1UL << SIGINT)) != 0) {
        return shutDown("INT");
      }
      if ((seen & (1UL << SIGHUP)) != 0) {
        reexecute();
      }
    }
    if (fds[1].revents != 0) {
      acceptConnections();
    }
    refusals_.progress(Clock::now());
    if (pool_ && pool_->shrink(Clock::now()) > 0) {
      logLine("pool: keeping %u ready session processes again", pool_->target());
    }
  }
}

// How long the loop may sleep without an event: until the refusals want
// draining, the pool a refill or a shrink, or the parent its retirement.
long long Parent::pollTimeout(Clock::time_point now) const {
  using namespace std::chrono_literals;
  Clock::time_point at = now + 60s;
  if (!refusals_.empty()) {
    at = std::min(at, now + 200ms);
  }
  if (pool_ && pool_->target() > options_.pool.ready) {
    at = std::min(at, pool_->nextShrink());
  }
  if (pool_ && children_.size() + pool_->processes() < options_.maxSessions) {
    at = std::min(at, pool_->refillAt());
  }
  if (options_.retire.count() > 0 && children_.empty()) {
    at = std::min(at, lastChild_ + options_.retire);
  }
  if (at <= now) {
    return 0;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now).count() + 1;
}

void Parent::acceptConnections() {
  // Bounded, so that signals are looked at between bursts.
  for (int round = 0; round < 64; ++round) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        logLine("accept: %s", std::strerror(errno));
      }
      return;
    }
    if (pool_) {
      pid_t pid = pool_->handOff(fd, Clock::now());
      if (pid > 0) {
        ::close(fd);
        children_.insert(pid);
        continue;
      }
    }
    const size_t ready = pool_ ? pool_->processes() : 0;
    if (children_.size() + ready >= options_.maxSessions) {
      logLine("%zu sessions running (maxSessions): new session refused with 503", children_.size());
      refusals_.add(fd, Clock::now());
    } else {
      startSession(fd);
    }
  }
}

pid_t Parent::forkChild(int keep, const std::function<void()>& body) {
  sigset_t previous = blockAllSignals();
  pid_t pid = ::fork();
  if (pid == 0) {
    // The child: none of the parent's descriptors but `keep`.
    ::close(listenFd_);
    for (int fd : refusals_.descriptors()) {
      ::close(fd);
    }
    ::close(signals_.fd());
    if (pool_) {
      for (int channel : pool_->channels()) {
        if (channel != keep) {
          ::close(channel);
        }
      }
    }
    body();
  }
  restoreSignals(previous);
  if (pid < 0) {
    logLine("fork: %s", std::strerror(errno));
  }
  return pid;
}

void Parent::startReady() {
  int ends[2];
  if (!makeChannel(ends)) {
    logLine("socketpair: %s", std::strerror(errno));
    pool_->failedStart(Clock::now());
    return;
  }
  pid_t pid = forkChild(ends[1], [&] {
    ::close(ends[0]);
    SessionChild::runReady(options_, routes_, tls_, ends[1]);
  });
  ::close(ends[1]);
  if (pid < 0) {
    ::close(ends[0]);
    pool_->failedStart(Clock::now());  // no fork loop while the system says no
    return;
  }
  pool_->add(pid, ends[0]);
}

void Parent::refillPool() {
  if (!pool_ || listenFd_ < 0) {
    return;
  }
  // A few at a time: accepting (and handing out the ready ones) goes on
  // between the forks.
  const Clock::time_point now = Clock::now();
  for (int round = 0; round < 4 && now >= pool_->refillAt() &&
                      children_.size() + pool_->processes() < options_.maxSessions;
       ++round) {
    startReady();
  }
}

size_t Parent::retirePool() {
  if (!pool_) {
    return 0;
  }
  std::vector<pid_t> retired = pool_->retireAll();
  const size_t count = retired.size();
  // They exit as soon as they see the channel close: reaped here, so that a
  // re-executed image does not take them for sessions.
  for (int round = 0; round < 50 && !retired.empty(); ++round) {
    std::erase_if(retired, [this](pid_t pid) {
      bool gone = ::waitpid(pid, nullptr, WNOHANG) != 0;
      if (gone) {
        pool_->forget(pid);
      }
      return gone;
    });
    if (!retired.empty()) {
      ::usleep(10'000);
    }
  }
  return count;
}

void Parent::startSession(int fd) {
  pid_t pid = forkChild(-1, [&] { SessionChild::run(options_, routes_, tls_, fd); });
  ::close(fd);
  if (pid > 0) {
    children_.insert(pid);
  }
}

void Parent::reapChildren() {
  for (int round = 0; round < 100'000; ++round) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      return;
    }
    if (pool_ && pool_->forget(pid)) {
      if (WIFSIGNALED(status)) {
        logLine("ready process %d killed by signal %d: replaced", pid, WTERMSIG(status));
      } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        logLine("ready process %d exited with %d: replaced", pid, WEXITSTATUS(status));
      }
      continue;
    }
    children_.erase(pid);
    if (WIFSIGNALED(status)) {
      logLine("session child %d killed by signal %d", pid, WTERMSIG(status));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      logLine("session child %d exited with %d", pid, WEXITSTATUS(status));
    }
    if (children_.empty()) {
      lastChild_ = Clock::now();
    }
  }
}

void Parent::reexecute() {
  if (reexec_.path().empty()) {
    logLine("HUP: the program's path is unknown, keeping the running code");
    return;
  }
  // Ready processes hold the old code: new visitors are to get the new.
  const size_t retired = retirePool();
  logLine("HUP: re-executing %s (%zu sessions keep the old code, %zu ready processes retired)",
          reexec_.path().c_str(), children_.size(), retired);
  refusals_.closeAll();
  reexec_.execute(listenFd_);
}

int Parent::shutDown(const char* signalName) {
  logLine("%s: stopping, %zu sessions to end", signalName, children_.size());
  ::close(listenFd_);
  listenFd_ = -1;
  retirePool();
  for (pid_t child : children_) {
    ::kill(child, SIGTERM);
  }
  const Clock::time_point until = Clock::now() + kShutdownWait;
  while (!children_.empty() && Clock::now() < until) {
    pollfd fd{signals_.fd(), POLLIN, 0};
    ::poll(&fd, 1, 100);
    signals_.take();
    reapChildren();
  }
  for (pid_t child : children_) {
    logLine("session child %d did not end: killing it", child);
    ::kill(child, SIGKILL);
  }
  for (int round = 0; round < 50 && !children_.empty(); ++round) {
    reapChildren();
    if (!children_.empty()) {
      ::usleep(20'000);
    }
  }
  logLine("stopped");
  return 0;
}

}  // namespace httpgate::appserver::detail
