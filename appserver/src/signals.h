// Signals turned into bytes on a pipe (the self-pipe trick), so that a
// poll() loop sees them as one more readable descriptor and no work is done
// in a signal handler. One SignalPipe per process image: the parent makes
// one, and a session child replaces it with its own right after fork().
#pragma once

#include <csignal>
#include <initializer_list>

namespace httpgate::appserver::detail {

class SignalPipe {
 public:
  // Creates the pipe and routes `signals` to it (SA_RESTART). Only one
  // SignalPipe may be active at a time: the handler writes to the latest.
  explicit SignalPipe(std::initializer_list<int> signals);
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  bool valid() const { return readFd_ >= 0; }
  int fd() const { return readFd_; }
  // Drains the pipe; bit n of the result is set when signal n arrived.
  unsigned long take();

 private:
  int readFd_ = -1;
  int writeFd_ = -1;
};

// Blocks every signal and returns the previous mask, for fork() and exec()
// windows in which a handler must not run with the wrong pipe.
sigset_t blockAllSignals();
void restoreSignals(const sigset_t& previous);

}  // namespace httpgate::appserver::detail
