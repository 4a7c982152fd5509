// An application built on the app-server library, started as a real binary
// for a test: in its own session and process group (via setsid), so that
// the destructor can end the parent and every session child it forked. The
// parent's port is learnt from its "appserver: listening on A:P" line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/deadline.h"

namespace httpgate::test {

class AppProcess {
 public:
  // Starts `binary` with `args` (plus "--port 0" unless args name a port)
  // and waits up to `timeout` for its listening line. Check ready().
  AppProcess(const std::string& binary, std::vector<std::string> args,
             Millis timeout = Millis{10'000});
  // Kills the whole process group (SIGKILL) and reaps the parent.
  ~AppProcess();
  AppProcess(const AppProcess&) = delete;
  AppProcess& operator=(const AppProcess&) = delete;

  bool ready() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  std::string log() const { return process_->err().text(); }
  const LogBuffer& err() const { return process_->err(); }
  void sendSignal(int signal) { process_->sendSignal(signal); }
  std::optional<int> waitExit(Millis timeout) { return process_->waitExit(timeout); }

 private:
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
};

// Where a session lives, from the Location of the first page's 303:
// "http://host:40001/<sesid>~/" or "https://host/40001/<sesid>~/".
struct SessionUrl {
  uint16_t port = 0;   // the session child's port
  std::string id;      // 32 hex digits
  std::string prefix;  // the URL path up to and including "~": "/<sesid>~" or "/40001/<sesid>~"
};
std::optional<SessionUrl> parseSessionUrl(const std::string& location);

}  // namespace httpgate::test
