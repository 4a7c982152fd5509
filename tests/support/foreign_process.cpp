#include "tests/support/foreign_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

namespace httpgate::test {

ForeignProcess::ForeignProcess(pid_t pid) : pid_(pid) {
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

ForeignProcess::~ForeignProcess() {
  release();
}

ForeignProcess::ForeignProcess(ForeignProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::exchange(other.pidfd_, -1)) {}

ForeignProcess& ForeignProcess::operator=(ForeignProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
  }
  return *this;
}

void ForeignProcess::release() {
  if (pidfd_ < 0) {
    return;
  }
  if (!waitExit(Millis{0})) {
    sendSignal(SIGKILL);
    waitExit(Millis{5000});
  }
  close(pidfd_);
  pidfd_ = -1;
}

bool ForeignProcess::sendSignal(int signal) {
  return pidfd_ >= 0 && syscall(SYS_pidfd_send_signal, pidfd_, signal, nullptr, 0) == 0;
}

bool ForeignProcess::waitExit(Millis timeout) {
  if (pidfd_ < 0) {
    return true;
  }
  // A pidfd becomes readable when the process ends.
  pollfd entry{pidfd_, POLLIN, 0};
  const Deadline deadline(timeout);
  while (true) {
    int ready = poll(&entry, 1, static_cast<int>(deadline.remaining().count()));
    if (ready > 0) {
      return true;
    }
    if (ready == 0 || errno != EINTR || deadline.expired()) {
      return false;
    }
  }
}

}  // namespace httpgate::test
