// A child process started with posix_spawn (safe in a multi-threaded test
// binary), its stdout and stderr captured by a reader thread. The destructor
// kills (SIGKILL) and reaps it if it still runs, so no test leaks a process.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/deadline.h"
#include "tests/support/log_buffer.h"

namespace httpgate::test {

// How a child starts, beyond its command line.
struct SpawnOptions {
  std::string cwd;  // empty: the test's own
  // "NAME=VALUE" entries put into the test's environment for the child
  // (replacing a variable of that name).
  std::vector<std::string> env;
  // Descriptors the child gets as 3, 4, ... in this order (as systemd passes
  // sockets); the test keeps its own copies.
  std::vector<int> passFds;
};

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv` in directory `cwd` (empty: the
  // test's own); stdin is /dev/null. Throws when it cannot be spawned.
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& cwd = "");
  ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const LogBuffer& err() const { return err_; }
  const LogBuffer& out() const { return out_; }

  // Sends `signal` unless the process has already been reaped.
  void sendSignal(int signal);
  // Waits up to `timeout` for the process to end: its exit code, or 128 +
  // the signal number when a signal ended it; nullopt while it still runs.
  std::optional<int> waitExit(Millis timeout);
  bool running();

 private:
  bool reap(int options);
  void readOutput(int outFd, int errFd);

  pid_t pid_ = -1;
  std::optional<int> exitStatus_;
  LogBuffer out_;
  LogBuffer err_;
  std::atomic<bool> stopReading_{false};
  std::thread reader_;
};

struct RunResult {
  std::optional<int> exitCode;  // nullopt: still running at the timeout (then killed)
  std::string out;
  std::string err;
};

// Runs `argv` to completion, waiting at most `timeout`.
RunResult runProcess(const std::vector<std::string>& argv, Millis timeout);

}  // namespace httpgate::test
