// Which TCP ports something listens on now, from /proc/net/tcp and tcp6:
// the status page's "is the app up" without connecting to it (a connect
// would count as a visitor for some apps and start nothing for others).
#pragma once

#include <cstdint>
#include <set>

namespace httpgate::gate {

// The local ports of every TCP socket in LISTEN state on this host's
// network namespace (empty when /proc cannot be read).
std::set<uint16_t> listeningTcpPorts();

}  // namespace httpgate::gate
