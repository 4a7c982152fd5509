#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace httpgate::test {
namespace {

// posix_spawn attributes that give the child default signal handling and an
// empty mask whatever the test process did (it ignores SIGPIPE, and ignored
// signals would otherwise stay ignored across exec).
struct SpawnAttributes {
  posix_spawnattr_t attr;
  SpawnAttributes() {
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    sigset_t mask;
    sigemptyset(&mask);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr); }
};

struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
};

void makePipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
}

// The test's environment with `extra` ("NAME=VALUE") added or replacing.
std::vector<std::string> mergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto nameOf = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string current = *entry;
    bool replaced = false;
    for (const std::string& e : extra) {
      replaced = replaced || nameOf(e) == nameOf(current);
    }
    if (!replaced) {
      env.push_back(current);
    }
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (const std::string& s : strings) {
    result.push_back(const_cast<char*>(s.c_str()));
  }
  result.push_back(nullptr);
  return result;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& cwd)
    : ChildProcess(argv, SpawnOptions{cwd, {}, {}}) {}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  int outPipe[2];
  int errPipe[2];
  makePipe(outPipe);
  makePipe(errPipe);

  FileActions files;
  posix_spawn_file_actions_addopen(&files.actions, 0, "/dev/null", O_RDONLY, 0);
  // dup2 clears FD_CLOEXEC on the copy; the originals close at exec.
  posix_spawn_file_actions_adddup2(&files.actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&files.actions, errPipe[1], 2);
  // Passed descriptors are first copied above any target number, so that
  // one dup2 never overwrites a source another still needs.
  std::vector<int> high;
  for (size_t i = 0; i < options.passFds.size(); ++i) {
    high.push_back(fcntl(options.passFds[i], F_DUPFD_CLOEXEC, 100));
    posix_spawn_file_actions_adddup2(&files.actions, high.back(), 3 + static_cast<int>(i));
  }
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&files.actions, options.cwd.c_str());
  }
  SpawnAttributes attributes;

  const std::vector<char*> args = pointers(argv);
  const std::vector<std::string> env = mergedEnvironment(options.env);
  const std::vector<char*> envp = pointers(env);
  const int rc =
      posix_spawn(&pid_, args[0], &files.actions, &attributes.attr, args.data(), envp.data());
  close(outPipe[1]);
  close(errPipe[1]);
  for (int fd : high) {
    close(fd);
  }
  if (rc != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    throw std::runtime_error("posix_spawn(" + argv[0] + "): " + std::strerror(rc));
  }
  reader_ =
      std::thread([this, outFd = outPipe[0], errFd = errPipe[0]] { readOutput(outFd, errFd); });
}

ChildProcess::~ChildProcess() {
  if (!exitStatus_) {
    kill(pid_, SIGKILL);
    reap(0);
  }
  // A grandchild could keep the pipes open; the reader must not wait for it.
  stopReading_ = true;
  reader_.join();
}

void ChildProcess::readOutput(int outFd, int errFd) {
  pollfd fds[2] = {{outFd, POLLIN, 0}, {errFd, POLLIN, 0}};
  LogBuffer* sinks[2] = {&out_, &err_};
  int open = 2;
  char chunk[8192];
  while (open > 0 && !stopReading_) {
    if (poll(fds, 2, 100) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) {
        continue;
      }
      const ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        sinks[i]->append(std::string_view(chunk, static_cast<size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open;
      }
    }
  }
  for (const pollfd& entry : fds) {
    if (entry.fd >= 0) {
      close(entry.fd);
    }
  }
  out_.close();
  err_.close();
}

bool ChildProcess::reap(int options) {
  if (exitStatus_) {
    return true;
  }
  int status = 0;
  pid_t rc;
  do {
    rc = waitpid(pid_, &status, options);
  } while (rc < 0 && errno == EINTR);
  if (rc != pid_) {
    return false;
  }
  exitStatus_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

void ChildProcess::sendSignal(int signal) {
  if (!exitStatus_) {
    kill(pid_, signal);
  }
}

std::optional<int> ChildProcess::waitExit(Millis timeout) {
  const Deadline deadline(timeout);
  // waitpid has no timeout: poll it, a few milliseconds apart, within the deadline.
  while (!reap(WNOHANG)) {
    if (deadline.expired()) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(Millis{5});
  }
  return exitStatus_;
}

bool ChildProcess::running() {
  return !reap(WNOHANG);
}

RunResult runProcess(const std::vector<std::string>& argv, Millis timeout) {
  RunResult result;
  {
    ChildProcess child(argv);
    result.exitCode = child.waitExit(timeout);
    // The pipes reach EOF once the process is gone; read what is left.
    child.err().waitClosed(Millis{1000});
    child.out().waitClosed(Millis{1000});
    result.out = child.out().text();
    result.err = child.err().text();
  }
  return result;
}

}  // namespace httpgate::test
