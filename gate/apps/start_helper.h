// The privileged start helper, separated the way OpenSSH separates
// privileges: a small process forked before the gate drops its privileges
// (and before any thread starts) that does one thing — start an app named
// in the configuration, as that app's user. The gate process, which reads
// the network, can only ask it "start app NAME" over a socketpair; the
// helper looks NAME up in the configuration it loads itself, so a
// compromised gate cannot make it run anything else or as anyone else.
//
// Protocol (SOCK_SEQPACKET, one message per datagram):
//   gate -> helper:  "start ID NAME"   |  "reload"
//   helper -> gate:  "ID ok"           |  "ID fail MESSAGE"
// Each start runs in its own short-lived process (app_spawn.h), so starts of
// different apps proceed side by side. The helper exits when the gate's end
// of the socketpair closes.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>

#include "gate/config/config_loader.h"

namespace httpgate::gate {

struct StartHelperHandle {
  pid_t pid = -1;
  int fd = -1;  // the gate's end of the socketpair, close-on-exec
};

// Forks the helper with `config` (loaded by `loader`, which it calls again
// on "reload"). Returns nothing when the socketpair or fork fails.
std::optional<StartHelperHandle> forkStartHelper(ConfigLoader loader,
                                                 std::shared_ptr<const Config> config);

}  // namespace httpgate::gate
