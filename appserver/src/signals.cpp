#include "appserver/src/signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace httpgate::appserver::detail {
namespace {

volatile sig_atomic_t gWriteFd = -1;

void onSignal(int signal) {
  int savedErrno = errno;
  unsigned char byte = static_cast<unsigned char>(signal);
  if (gWriteFd >= 0) {
    // A full pipe already holds a wake-up: losing this byte loses nothing
    // for SIGCHLD (every wake-up reaps all), and repeats of TERM are alike.
    ssize_t written = ::write(gWriteFd, &byte, 1);
    (void)written;
  }
  errno = savedErrno;
}

}  // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signals) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return;
  }
  readFd_ = fds[0];
  writeFd_ = fds[1];
  gWriteFd = writeFd_;
  for (int signal : signals) {
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(signal, &action, nullptr);
  }
}

SignalPipe::~SignalPipe() {
  if (gWriteFd == writeFd_) {
    gWriteFd = -1;
  }
  if (readFd_ >= 0) {
    ::close(readFd_);
    ::close(writeFd_);
  }
}

unsigned long SignalPipe::take() {
  unsigned long seen = 0;
  unsigned char bytes[64];
  for (int round = 0; round < 16; ++round) {
    ssize_t n = ::read(readFd_, bytes, sizeof bytes);
    if (n <= 0) {
      break;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (bytes[i] < sizeof(seen) * 8) {
        seen |= 1UL << bytes[i];
      }
    }
  }
  return seen;
}

sigset_t blockAllSignals() {
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &previous);
  return previous;
}

void restoreSignals(const sigset_t& previous) {
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace httpgate::appserver::detail
