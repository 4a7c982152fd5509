#include "gate/net/receive.h"

namespace httpgate::gate {

IoResult receiveInto(Transport& transport, Buffer& in, Readiness& ready) {
  char* at = in.writePtr();
  const size_t room = in.writable();
  if (room == 0) {
    return {IoStatus::Ok, 0};
  }
  const IoResult result = transport.read(at, room);
  switch (result.status) {
    case IoStatus::Ok:
      in.commit(result.bytes);
      if (result.bytes < room && !transport.hasPending()) {
        // With OpenSSL's read-ahead, bytes the kernel still had would be
        // pending inside the SSL: only a short read without them drained
        // the socket.
        ready.readable = false;
      }
      break;
    case IoStatus::WantRead:
    case IoStatus::WantWrite:
      ready.readBlocked(result.status);
      break;
    case IoStatus::Eof:
    case IoStatus::Error:
      break;
  }
  return result;
}

}  // namespace httpgate::gate
