#include "gate/process/detach.h"

#include <unistd.h>

#include <cstdio>

namespace httpgate::gate {

bool detachFromTerminal() {
  // Nothing buffered may be written twice, once by each process.
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    return false;
  }
  if (pid > 0) {
    // The parent owns nothing the child needs torn down: skip destructors,
    // which would close what the child now serves.
    ::_exit(0);
  }
  // A new session: no controlling terminal, so a hang-up of the shell that
  // started the gate does not reach it (its HUP means "reload").
  ::setsid();
  return true;
}

}  // namespace httpgate::gate
