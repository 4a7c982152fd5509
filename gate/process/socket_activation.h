// Socket activation (systemd.socket(5), sd_listen_fds(3)): listening
// sockets systemd opened for us and passed as descriptors 3, 4, ... with
// LISTEN_FDS / LISTEN_PID. They are adopted like the sockets of an upgrade
// (bindListeners matches them to the configured listeners by address), so
// the ports stay open, and connections queue, while the gate restarts.
#pragma once

#include <vector>

namespace httpgate::gate {

// The passed descriptors, empty when none were passed to this process
// (LISTEN_PID names another one, or the variables are absent). Removes
// LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES from the environment, so that
// neither a started app nor an upgraded successor takes them for its own;
// the descriptors are close-on-exec. Malformed variables are logged and
// ignored.
std::vector<int> takeActivatedSockets();

}  // namespace httpgate::gate
