// Starting one application on demand, the way httpGate does it: as the
// app's own user, in its directory, with its output appended to its log,
// serialized by a lock on that log file so that two gate processes never
// start the same app twice, and then waiting until its port accepts.
//
// Everything here blocks and may change the calling process's user: it runs
// in a short-lived process forked by the start helper (start_helper.h) for
// each start, never in the gate's event loops.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate {

struct AppSpawnSpec {
  std::string name;
  uint16_t port = 0;
  SocketAddress address;  // where the app will listen (port included)
  AppStart start;
  std::string lang;  // the gate's LANG, passed on as httpGate does
};

// Makes sure the app listens: returns "" once its port accepts (started by
// us, or found running, or started meanwhile by another gate process), or
// a message saying why it does not. Refuses root (uid or gid 0).
std::string ensureAppRunning(const AppSpawnSpec& spec);

}  // namespace httpgate::gate
