#include "gate/process/socket_activation.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>

namespace httpgate::gate {

std::vector<int> takeActivatedSockets() {
  // unset_environment = 1; sd_listen_fds also checks LISTEN_PID against our
  // pid and marks the descriptors close-on-exec.
  int count = sd_listen_fds(1);
  if (count < 0) {
    spdlog::warn("socket activation: LISTEN_FDS/LISTEN_PID are not usable ({}); ignored",
                 std::strerror(-count));
    return {};
  }
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    fds.push_back(SD_LISTEN_FDS_START + i);
  }
  if (count > 0) {
    spdlog::info("socket activation: {} listening sockets passed by the service manager", count);
  }
  return fds;
}

}  // namespace httpgate::gate
