#include "gate/process/upgrade.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace httpgate::gate {
namespace {

constexpr const char* kFdsVariable = "HTTPGATE_UPGRADE_FDS";
constexpr const char* kReadyVariable = "HTTPGATE_UPGRADE_READY_FD";
constexpr char kReadyMessage[] = "ready\n";
// A new process that neither signals ready nor exits within this time is
// taken as hung: it is killed and the old one keeps serving.
constexpr timeval kReadyTimeout{60, 0};

// A descriptor number from the environment, or -1.
int parseFd(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  int fd = std::atoi(text.c_str());
  return fd > STDERR_FILENO ? fd : -1;
}

bool startsWith(const char* entry, const char* name) {
  size_t length = std::strlen(name);
  return std::strncmp(entry, name, length) == 0 && entry[length] == '=';
}

// Our environment minus any stale hand-over variables, plus the new ones.
std::vector<std::string> childEnvironment(const std::vector<int>& listenFds, int readyFd) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (!startsWith(*entry, kFdsVariable) && !startsWith(*entry, kReadyVariable)) {
      env.emplace_back(*entry);
    }
  }
  std::string fds;
  for (int fd : listenFds) {
    fds += (fds.empty() ? "" : ",") + std::to_string(fd);
  }
  env.push_back(std::string(kFdsVariable) + "=" + fds);
  env.push_back(std::string(kReadyVariable) + "=" + std::to_string(readyFd));
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

// In the forked child of a multi-threaded process: only async-signal-safe
// calls until execve. The parent's signal handlers (libevent's, which write
// to the parent's event base) are reset before signals are unblocked.
[[noreturn]] void execChild(const char* binary, char* const* argv, char* const* envp,
                            const std::vector<int>& keep) {
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  sigemptyset(&defaults.sa_mask);
  for (int signal : {SIGHUP, SIGTERM, SIGINT, SIGUSR2}) {
    sigaction(signal, &defaults, nullptr);
  }
  for (int fd : keep) {
    if (fcntl(fd, F_SETFD, 0) < 0) {
      _exit(127);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(binary, argv, envp);
  _exit(127);
}

std::string describeStatus(int status) {
  if (WIFEXITED(status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  }
  return "ended";
}

}  // namespace

UpgradeHandoff takeUpgradeHandoff() {
  UpgradeHandoff handoff;
  if (const char* fds = std::getenv(kFdsVariable)) {
    std::string list = fds;
    size_t begin = 0;
    while (begin <= list.size()) {
      size_t end = list.find(',', begin);
      if (end == std::string::npos) {
        end = list.size();
      }
      int fd = parseFd(list.substr(begin, end - begin));
      if (fd >= 0) {
        handoff.listenFds.push_back(fd);
      }
      begin = end + 1;
    }
  }
  if (const char* ready = std::getenv(kReadyVariable)) {
    handoff.readyFd = parseFd(ready);
    if (handoff.readyFd >= 0) {
      fcntl(handoff.readyFd, F_SETFD, FD_CLOEXEC);
    }
  }
  unsetenv(kFdsVariable);
  unsetenv(kReadyVariable);
  return handoff;
}

void signalUpgradeReady(int fd) {
  if (fd < 0) {
    return;
  }
  ssize_t written = 0;
  do {
    written = write(fd, kReadyMessage, sizeof(kReadyMessage) - 1);
  } while (written < 0 && errno == EINTR);
  close(fd);
}

std::string currentBinaryPath() {
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return length > 0 ? std::string(path, static_cast<size_t>(length)) : std::string();
}

Upgrade::~Upgrade() {
  if (pipeEvent_ != nullptr) {
    event_free(pipeEvent_);
  }
  if (readFd_ >= 0) {
    close(readFd_);
  }
}

bool Upgrade::start(const std::string& binary, const std::vector<std::string>& argv,
                    const std::vector<int>& listenFds, std::string& error) {
  int pipeFds[2];
  if (pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) < 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls are allowed.
  std::vector<std::string> args = argv;
  std::vector<std::string> env = childEnvironment(listenFds, pipeFds[1]);
  std::vector<char*> argp = pointers(args);
  std::vector<char*> envp = pointers(env);
  std::vector<int> keep = listenFds;
  keep.push_back(pipeFds[1]);
  // Only our read end is watched by an event loop; the new process writes
  // with a plain blocking write.
  fcntl(pipeFds[1], F_SETFL, 0);

  // The child starts with every signal blocked, so that none reaches our
  // handlers between fork and exec.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = fork();
  if (pid == 0) {
    execChild(binary.c_str(), argp.data(), envp.data(), keep);
  }
  int forkErrno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  close(pipeFds[1]);
  if (pid < 0) {
    close(pipeFds[0]);
    error = std::string("fork: ") + std::strerror(forkErrno);
    return false;
  }
  pid_ = pid;
  readFd_ = pipeFds[0];
  received_.clear();
  pipeEvent_ = event_new(base_, readFd_, EV_READ | EV_PERSIST, onPipe, this);
  event_add(pipeEvent_, &kReadyTimeout);
  return true;
}

void Upgrade::onPipe(evutil_socket_t, short what, void* arg) {
  static_cast<Upgrade*>(arg)->readPipe(what);
}

void Upgrade::readPipe(short what) {
  if (what & EV_TIMEOUT) {
    kill(pid_, SIGKILL);
    reapFailed();
    finish(false, "new process " + std::to_string(pid_) + " did not signal ready within " +
                      std::to_string(kReadyTimeout.tv_sec) + " s; killed it");
    return;
  }
  char bytes[64];
  ssize_t n = 0;
  while ((n = read(readFd_, bytes, sizeof(bytes))) > 0) {
    received_.append(bytes, static_cast<size_t>(n));
    if (received_.size() > 256) {
      break;  // not our protocol; the EOF or timeout decides
    }
  }
  if (received_.find(kReadyMessage) != std::string::npos) {
    finish(true, {});
    return;
  }
  if (n == 0) {
    finish(false,
           "new process " + std::to_string(pid_) + " " + reapFailed() + " before signalling ready");
  }
}

// The child closed the pipe or hung: collect it, so that no zombie stays,
// and say how it ended. A child that closed the pipe but still runs holds
// our listening sockets and would take connections it does not serve well:
// it is killed.
std::string Upgrade::reapFailed() {
  int status = 0;
  pid_t reaped = waitpid(pid_, &status, WNOHANG);
  if (reaped == 0) {
    // Exit closes descriptors before the process can be reaped: the child
    // may be one step from its end, or it may really run on.
    kill(pid_, SIGKILL);
    reaped = waitpid(pid_, &status, 0);
  }
  return reaped == pid_ ? describeStatus(status) : "ended";
}

// Leaves the object idle (not in progress) and reports. `done_` may replace
// this object only after the call returns; nothing here runs after it.
void Upgrade::finish(bool ready, const std::string& failure) {
  event_del(pipeEvent_);
  close(readFd_);
  readFd_ = -1;
  done_(ready, pid_, failure);
}

}  // namespace httpgate::gate
