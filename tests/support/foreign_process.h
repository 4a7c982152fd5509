// A process the test did not start itself (the gate's successor after a
// SIGUSR2 upgrade: the old gate's child, re-parented when that one exits),
// held by a pidfd so that a signal never reaches a recycled PID. The
// destructor kills it (SIGKILL) if it still runs, so no test leaks it.
#pragma once

#include <sys/types.h>

#include "tests/support/deadline.h"

namespace httpgate::test {

class ForeignProcess {
 public:
  ForeignProcess() = default;
  // Opens `pid`; valid() is false if it no longer exists.
  explicit ForeignProcess(pid_t pid);
  ~ForeignProcess();
  ForeignProcess(ForeignProcess&& other) noexcept;
  ForeignProcess& operator=(ForeignProcess&& other) noexcept;

  bool valid() const { return pidfd_ >= 0; }
  pid_t pid() const { return pid_; }
  bool sendSignal(int signal);
  // Whether the process ended within `timeout` (its exit status belongs to
  // its parent, so only the ending is seen).
  bool waitExit(Millis timeout);

 private:
  void release();

  pid_t pid_ = -1;
  int pidfd_ = -1;
};

}  // namespace httpgate::test
