// The readiness of one non-blocking socket and the two level-triggered
// libevent events that report it, for the client and the backend
// connections alike.
//
// A connection tries its socket until the transport says it would block,
// then arms the event that will say when to try again: reading while input
// is wanted, writing only while output is pending and the socket is full.
// TLS adds the crossed cases: an SSL_read can need the socket writable (a
// key update to answer) and an SSL_write readable (a renegotiation-like
// exchange), which is what readWantsWrite and writeWantsRead record.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include "gate/net/transport.h"

namespace httpgate::gate {

struct Readiness {
  bool readable = false;  // the socket may have bytes (cleared when a read would block)
  bool writable = false;  // the socket may take bytes (cleared when a write would block)
  bool readWantsWrite = false;
  bool writeWantsRead = false;

  // An event fired: what it reports, and the blocked operation it unblocks.
  void onEvent(short what);
  // A read or a write stopped with `status` (WantRead or WantWrite).
  void readBlocked(IoStatus status);
  void writeBlocked(IoStatus status);
};

class SocketEvents {
 public:
  // Called after the readiness has been updated for an event.
  using Handler = void (*)(void* owner, short what);

  SocketEvents() = default;
  ~SocketEvents() { stop(); }
  SocketEvents(const SocketEvents&) = delete;
  SocketEvents& operator=(const SocketEvents&) = delete;

  // Binds the events to `fd` on `base`; they report to `handler(owner)`.
  void assign(event_base* base, int fd, Handler handler, void* owner);
  // Reports to `handler(owner)` from now on (a connection handed from its
  // TLS handshake to the protocol on top).
  void rebind(Handler handler, void* owner) {
    handler_ = handler;
    owner_ = owner;
  }

  Readiness& ready() { return ready_; }
  const Readiness& ready() const { return ready_; }

  // Arms exactly the events needed: reading while `wantInput` (or a
  // blocked write waits for it), writing while `outputPending` and the
  // socket took no more (or a blocked read waits for it).
  void arm(bool wantInput, bool outputPending);
  // Arms or disarms the two events directly.
  void watch(bool read, bool write);
  void stop() { watch(false, false); }
  // Runs the read handler again from the loop, without waiting for the
  // socket: for input already inside OpenSSL or left by a round limit.
  void wakeReader() { event_active(&read_, EV_READ, 1); }
  bool readArmed() const { return readArmed_; }

 private:
  static void onEvent(evutil_socket_t fd, short what, void* arg);

  event read_{};
  event write_{};
  Readiness ready_;
  Handler handler_ = nullptr;
  void* owner_ = nullptr;
  bool assigned_ = false;
  bool readArmed_ = false;
  bool writeArmed_ = false;
};

}  // namespace httpgate::gate
