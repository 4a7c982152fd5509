#include "appserver/src/reexec.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "appserver/src/log.h"
#include "appserver/src/signals.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver::detail {

Reexec::Reexec(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    argv_.emplace_back(argv[i]);
  }
  char path[4096];
  ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length > 0) {
    path_.assign(path, static_cast<size_t>(length));
  }
}

int Reexec::openListener(const Options& options) {
  if (const char* inherited = std::getenv(kListenFdVariable)) {
    int fd = std::atoi(inherited);
    ::unsetenv(kListenFdVariable);  // not for the handlers' child processes
    int listening = 0;
    socklen_t length = sizeof listening;
    if (fd > 2 && ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 &&
        listening != 0) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      setNonBlocking(fd);
      logLine("listening on %s (pid %d, adopted from the previous image)",
              localEndpoint(fd).c_str(), ::getpid());
      return fd;
    }
    logLine("%s=%s is not a listening socket: opening the port anew", kListenFdVariable, inherited);
  }
  Result<int> listening = listenOn(options.address, options.port);
  if (!listening.ok()) {
    logLine("cannot listen on %s port %u: %s", options.address.c_str(), options.port,
            listening.error().c_str());
    return -1;
  }
  logLine("listening on %s (pid %d)", localEndpoint(listening.value()).c_str(), ::getpid());
  return listening.value();
}

void Reexec::execute(int listenFd) {
  std::vector<char*> args;
  for (std::string& arg : argv_) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  sigset_t previous = blockAllSignals();
  ::fcntl(listenFd, F_SETFD, 0);
  ::setenv(kListenFdVariable, std::to_string(listenFd).c_str(), 1);
  ::execv(path_.c_str(), args.data());
  int error = errno;
  ::unsetenv(kListenFdVariable);
  ::fcntl(listenFd, F_SETFD, FD_CLOEXEC);
  restoreSignals(previous);
  logLine("HUP: cannot execute %s: %s; keeping the running code", path_.c_str(),
          std::strerror(error));
}

}  // namespace httpgate::appserver::detail
