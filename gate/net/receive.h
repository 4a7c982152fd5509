// Reading a socket into a connection's input buffer, for the client and the
// backend connections alike.
#pragma once

#include "gate/net/buffer.h"
#include "gate/net/socket_events.h"
#include "gate/net/transport.h"

namespace httpgate::gate {

// Reads what `transport` has into the room at the end of `in` (which holds
// a block). Ok: bytes were committed, and a read that drained the socket
// (and left nothing inside OpenSSL) clears `ready.readable`, since the
// level-triggered event reports anything that arrives later. WantRead or
// WantWrite: the read is blocked, `ready` says on what. Ok with 0 bytes:
// `in` had no room. Eof and Error: the peer's side has ended.
IoResult receiveInto(Transport& transport, Buffer& in, Readiness& ready);

}  // namespace httpgate::gate
