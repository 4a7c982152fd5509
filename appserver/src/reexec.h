// The application's port across a code upgrade: HUP re-executes the
// program's (new) binary, which adopts the listening socket the old image
// hands it in an environment variable instead of opening the port anew,
// so that no connection is refused in between. Used by the parent of the
// fork and pool models and by the sequential server.
#pragma once

#include <string>
#include <vector>

#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

// The environment variable that hands the listening socket to the
// re-executed image: the descriptor's number.
inline constexpr const char* kListenFdVariable = "HTTPGATE_APPSERVER_LISTEN_FD";

class Reexec {
 public:
  // Reads the program's path now, not at HUP: by then the file may have
  // been replaced, and the path of the replacement is what HUP executes.
  Reexec(int argc, char** argv);

  // The listening socket handed over by the previous image, or else a new
  // one on options.address:port; -1 (logged) when neither works.
  static int openListener(const Options& options);
  // Executes the program with the same arguments, handing it `listenFd`;
  // returns only when that fails (logged: the running code goes on).
  // Signals stay blocked across exec(); the new image unblocks them once
  // its handlers are installed, so that none is lost in between.
  void execute(int listenFd);
  const std::string& path() const { return path_; }

 private:
  std::vector<std::string> argv_;
  std::string path_;
};

}  // namespace httpgate::appserver::detail
