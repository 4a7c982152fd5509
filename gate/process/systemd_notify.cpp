#include "gate/process/systemd_notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "common/time/clock.h"

namespace httpgate::gate::systemd {
namespace {

// A STATUS= value is one line: anything after a newline would be read as
// another assignment.
std::string statusLine(const std::string& status) {
  std::string line = status.substr(0, status.find('\n'));
  return "STATUS=" + line;
}

// Sends `state` (newline-separated assignments). A failure to reach the
// service manager is worth a debug line only: it must never stop the gate.
void send(const std::string& state) {
  // unset_environment = 0: an upgraded successor needs NOTIFY_SOCKET too.
  int rc = sd_notify(0, state.c_str());
  if (rc < 0) {
    spdlog::debug("sd_notify: {}", std::strerror(-rc));
  }
}

}  // namespace

void notifyReady(const std::string& status) {
  send("MAINPID=" + std::to_string(getpid()) + "\nREADY=1\n" + statusLine(status));
}

void notifyReloading() {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(clock::monotonicUs()) +
       "\nSTATUS=reloading the configuration");
}

void notifyReloaded(const std::string& status) {
  send("READY=1\n" + statusLine(status));
}

void notifyStopping(const std::string& status) {
  send("STOPPING=1\n" + statusLine(status));
}

void notifyStatus(const std::string& status) {
  send(statusLine(status));
}

}  // namespace httpgate::gate::systemd
