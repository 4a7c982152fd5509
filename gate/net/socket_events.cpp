#include "gate/net/socket_events.h"

namespace httpgate::gate {

void Readiness::onEvent(short what) {
  if (what & EV_READ) {
    readable = true;
    if (writeWantsRead) {
      writable = true;
      writeWantsRead = false;
    }
  }
  if (what & EV_WRITE) {
    writable = true;
    if (readWantsWrite) {
      readable = true;
      readWantsWrite = false;
    }
  }
}

void Readiness::readBlocked(IoStatus status) {
  readable = false;
  if (status == IoStatus::WantWrite) {
    readWantsWrite = true;
  }
}

void Readiness::writeBlocked(IoStatus status) {
  writable = false;
  if (status == IoStatus::WantRead) {
    writeWantsRead = true;
  }
}

void SocketEvents::assign(event_base* base, int fd, Handler handler, void* owner) {
  stop();
  handler_ = handler;
  owner_ = owner;
  event_assign(&read_, base, fd, EV_READ | EV_PERSIST, onEvent, this);
  event_assign(&write_, base, fd, EV_WRITE | EV_PERSIST, onEvent, this);
  assigned_ = true;
}

void SocketEvents::arm(bool wantInput, bool outputPending) {
  watch(wantInput || ready_.writeWantsRead,
        (!ready_.writable && outputPending) || ready_.readWantsWrite);
}

void SocketEvents::watch(bool read, bool write) {
  if (!assigned_) {
    return;  // no socket yet (a backend connection before its connect)
  }
  if (read != readArmed_) {
    read ? event_add(&read_, nullptr) : event_del(&read_);
    readArmed_ = read;
  }
  if (write != writeArmed_) {
    write ? event_add(&write_, nullptr) : event_del(&write_);
    writeArmed_ = write;
  }
}

void SocketEvents::onEvent(evutil_socket_t, short what, void* arg) {
  auto* self = static_cast<SocketEvents*>(arg);
  self->ready_.onEvent(what);
  self->handler_(self->owner_, what);
}

}  // namespace httpgate::gate
