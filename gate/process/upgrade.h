// Zero-downtime upgrade (SIGUSR2), both halves of the hand-over.
//
// The running (old) process forks and execs the binary it was started from,
// with its own command line, passing its listening sockets as inherited
// descriptors and the write end of a pipe:
//   HTTPGATE_UPGRADE_FDS=3,4,5,6       the listening sockets (any order)
//   HTTPGATE_UPGRADE_READY_FD=9        write "ready\n" here once serving
// The new process adopts the sockets (matched to its listeners by address,
// see bindListeners), starts its workers and writes "ready". Only then does
// the old process stop accepting and drain: the sockets, and the connections
// queued on them, are shared, so none is refused in between. If the pipe
// closes without "ready" (the new binary failed to start) the old process
// reaps the child and keeps serving.
#pragma once

#include <event2/event.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace httpgate::gate {

// What an upgrading parent handed to this process; empty when started
// normally. Reads and removes the two variables, so that nothing this
// process starts later sees them.
struct UpgradeHandoff {
  std::vector<int> listenFds;
  int readyFd = -1;
};
UpgradeHandoff takeUpgradeHandoff();

// Tells the old process that this one serves: writes "ready\n" to `fd`
// and closes it. Does nothing for fd -1.
void signalUpgradeReady(int fd);

// The old process's side: one attempt, watched on the main event base.
class Upgrade {
 public:
  // Called once, on the main thread: `ready` true when the new process
  // `pid` serves; otherwise `failure` says why (the child has been reaped).
  using Done = std::function<void(bool ready, pid_t pid, const std::string& failure)>;

  Upgrade(event_base* base, Done done) : base_(base), done_(std::move(done)) {}
  ~Upgrade();
  Upgrade(const Upgrade&) = delete;
  Upgrade& operator=(const Upgrade&) = delete;

  // Starts `binary` with `argv` (argv[0] included) and the sockets
  // `listenFds` (which stay owned by the caller). Returns false with
  // `error` set when no child could be started; `done` is not called then.
  bool start(const std::string& binary, const std::vector<std::string>& argv,
             const std::vector<int>& listenFds, std::string& error);

  bool inProgress() const { return pid_ > 0 && readFd_ >= 0; }
  pid_t pid() const { return pid_; }

 private:
  static void onPipe(evutil_socket_t fd, short what, void* arg);
  void readPipe(short what);
  void finish(bool ready, const std::string& failure);
  std::string reapFailed();

  event_base* base_;
  Done done_;
  pid_t pid_ = -1;
  int readFd_ = -1;
  event* pipeEvent_ = nullptr;
  std::string received_;
};

// The binary this process runs, as a path: read at start-up, so that a file
// later replaced at that path (a package upgrade) is what SIGUSR2 starts.
// Empty when /proc is not available.
std::string currentBinaryPath();

}  // namespace httpgate::gate
