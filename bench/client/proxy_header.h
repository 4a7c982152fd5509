// The PROXY protocol version 2 header the bench client can send before
// its first byte (--proxy-v2), as a load balancer in front of the gate
// would (HAProxy's proxy-protocol.txt, section 2.2).
#pragma once

#include <cstdint>
#include <string>

namespace httpgate::bench {

// A v2 PROXY command for TCP over IPv4: 28 bytes, no TLVs. The source is
// a documentation address (192.0.2.1 to 192.0.2.254, RFC 5737) and port
// that change with every call, as the clients behind a balancer do, so
// that nothing in the gate can take a shortcut on a repeated address; the
// destination is 127.0.0.1:`destinationPort`. Safe from several threads.
std::string nextProxyV2Header(uint16_t destinationPort);

}  // namespace httpgate::bench
