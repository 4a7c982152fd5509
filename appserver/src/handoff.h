// Handing an accepted connection from the parent to a ready session
// process (the pool model): its descriptor travels as SCM_RIGHTS over the
// socketpair that joins the two, one message per connection. The same
// channel carries the ready process's one-byte reports to the parent.
#pragma once

#include <sys/types.h>

namespace httpgate::appserver::detail {

// What a ready process reports on its channel.
inline constexpr char kReportReady = 'R';   // port bound, id made: hand me a visitor
inline constexpr char kReportFailed = 'F';  // no session port free: close my channel

// A connected SOCK_SEQPACKET pair, both ends close-on-exec; false on failure.
bool makeChannel(int (&ends)[2]);
// Sends `fd` over `channel` (non-blocking). True when it is on its way (the
// caller closes its own copy); false with errno when the peer is gone.
bool sendConnection(int channel, int fd);
// Waits for the next message on `channel`: the descriptor it carries
// (close-on-exec), or -1 when the parent closed the channel or it failed.
int receiveConnection(int channel);

}  // namespace httpgate::appserver::detail
