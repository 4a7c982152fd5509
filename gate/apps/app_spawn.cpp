#include "gate/apps/app_spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

extern char** environ;

namespace httpgate::gate {
namespace {

constexpr int kPollMs = 100;  // httpGate polls the port every 100 ms too

int64_t monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

void sleepMs(int ms) {
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

std::string errorText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Whether something accepts connections on the app's address.
bool accepts(const SocketAddress& address) {
  int fd = ::socket(address.get()->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  // Apps normally live on loopback, where connect() answers at once; bound
  // it anyway for a host that drops packets.
  timeval limit{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  bool ok = ::connect(fd, address.get(), address.length) == 0;
  ::close(fd);
  return ok;
}

// Takes the app's user for the rest of this process: its log is then opened
// and created with the app's rights, never ours (a log path the app's user
// controls must not let it make us write elsewhere).
std::string becomeUser(const passwd& pw) {
  if (geteuid() == 0 && initgroups(pw.pw_name, pw.pw_gid) != 0) {
    return errorText("cannot set the groups of user " + std::string(pw.pw_name));
  }
  if (setgid(pw.pw_gid) != 0 || setuid(pw.pw_uid) != 0) {
    return errorText("cannot switch to user " + std::string(pw.pw_name));
  }
  return {};
}

// Waits (bounded) for the write lock on the app's log, which serializes
// starts across gate processes as httpGate's lock does. Returns false on
// timeout.
bool lockLog(int fd, int64_t deadline) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  for (;;) {
    if (fcntl(fd, F_SETLK, &lock) == 0) {
      return true;
    }
    if ((errno != EACCES && errno != EAGAIN && errno != EINTR) || monotonicMs() >= deadline) {
      return false;
    }
    sleepMs(kPollMs);
  }
}

std::vector<std::string> environment(const AppSpawnSpec& spec, const passwd& pw) {
  std::vector<std::pair<std::string, std::string>> vars = {
      {"NAME", spec.name},
      {"HOME", pw.pw_dir},
      {"PORT", std::to_string(spec.port)},
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
  };
  if (!spec.lang.empty()) {
    vars.emplace_back("LANG", spec.lang);
  }
  for (const auto& [key, value] : spec.start.env) {
    bool replaced = false;
    for (auto& var : vars) {
      if (var.first == key) {
        var.second = value;
        replaced = true;
      }
    }
    if (!replaced) {
      vars.emplace_back(key, value);
    }
  }
  std::vector<std::string> result;
  for (const auto& [key, value] : vars) {
    result.push_back(key + "=" + value);
  }
  return result;
}

// In the forked child: becomes the app. Never returns.
[[noreturn]] void execApp(const AppSpawnSpec& spec, const passwd& pw, const std::string& logPath) {
  setsid();  // its own session and process group: our signals are not its
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    signal(sig, SIG_DFL);  // ignored signals would survive exec
  }
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
  }
  if (!logPath.empty()) {
    int log = open(logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
  }
  close_range(3, ~0U, 0);

  std::vector<std::string> env = environment(spec, pw);
  std::vector<char*> envp;
  for (std::string& var : env) {
    envp.push_back(var.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.start.command;
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  environ = envp.data();  // execvp searches the app's PATH, not ours
  execvp(argv[0], argv.data());
  fprintf(stderr, "httpgate: cannot run %s for app %s: %s\n", argv[0], spec.name.c_str(),
          std::strerror(errno));
  _exit(127);
}

std::string describeExit(int status) {
  if (WIFEXITED(status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "stopped";
}

}  // namespace

std::string ensureAppRunning(const AppSpawnSpec& spec) {
  const AppStart& start = spec.start;
  errno = 0;
  passwd* found = getpwnam(start.user.c_str());
  if (found == nullptr) {
    return "unknown user \"" + start.user + "\"";
  }
  passwd pw = *found;
  std::string home = pw.pw_dir;
  std::string name = pw.pw_name;
  pw.pw_dir = home.data();
  pw.pw_name = name.data();
  if (pw.pw_uid == 0 || pw.pw_gid == 0) {
    return "refused: user \"" + start.user + "\" is root (uid or gid 0)";
  }
  if (std::string error = becomeUser(pw); !error.empty()) {
    return error;
  }
  std::string dir = start.dir.empty() ? home : start.dir;
  if (chdir(dir.c_str()) != 0) {
    return errorText("cannot enter directory " + dir);
  }

  int64_t deadline = monotonicMs() + start.wait.count();
  std::string logPath;
  int logFd = -1;
  if (!start.log.empty()) {
    logPath = start.log.front() == '/' ? start.log : dir + "/" + start.log;
    logFd = open(logPath.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (logFd < 0) {
      return errorText("cannot open log file " + logPath);
    }
    if (!lockLog(logFd, deadline)) {
      return "could not lock " + logPath + " (another start of the app did not finish in time)";
    }
  }
  // Started meanwhile by whoever held the lock, or by hand.
  if (accepts(spec.address)) {
    return {};
  }
  pid_t pid = fork();
  if (pid < 0) {
    return errorText("fork");
  }
  if (pid == 0) {
    execApp(spec, pw, logPath);
  }
  std::string seeLog = logPath.empty() ? "" : " (see " + logPath + ")";
  for (;;) {
    sleepMs(kPollMs);
    if (accepts(spec.address)) {
      return {};
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return start.command.front() + " " + describeExit(status) + " before listening on port " +
             std::to_string(spec.port) + seeLog;
    }
    if (monotonicMs() >= deadline) {
      return "not listening on port " + std::to_string(spec.port) + " after " +
             std::to_string(start.wait.count()) + " ms (pid " + std::to_string(pid) +
             " left running)" + seeLog;
    }
  }
}

}  // namespace httpgate::gate
