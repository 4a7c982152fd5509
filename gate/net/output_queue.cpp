#include "gate/net/output_queue.h"

namespace httpgate::gate {

OutputQueue::Flushed OutputQueue::write(Transport& transport, Readiness& ready, Buffer* source,
                                        size_t& forward, bool keepWhenSent) {
  Flushed flushed;
  while (ready.writable) {
    const char* data = nullptr;
    size_t length = 0;
    bool fromSource = false;
    if (sent_ < bytes_.size()) {
      if (forward > 0 && bytes_.size() - sent_ + forward <= kCoalesceLimit) {
        bytes_.append(source->data(), forward);
        source->consume(forward);
        forward = 0;
      }
      data = bytes_.data() + sent_;
      length = bytes_.size() - sent_;
    } else if (forward > 0) {
      data = source->data();
      length = forward;
      fromSource = true;
    } else {
      break;
    }
    const IoResult result = transport.write(data, length);
    if (result.status == IoStatus::Ok) {
      flushed.progress = true;
      flushed.bytes += result.bytes;
      if (fromSource) {
        flushed.relievedSource = flushed.relievedSource || source->full();
        source->consume(result.bytes);
        forward -= result.bytes;
      } else {
        sent_ += result.bytes;
        if (sent_ == bytes_.size() && !keepWhenSent) {
          clear();
        }
      }
      // A short plain write means the socket buffer is full; a short TLS
      // write may only have ended at a record, so the next write tells.
      if (!transport.isTls() && result.bytes < length) {
        ready.writable = false;
      }
      continue;
    }
    if (result.status == IoStatus::WantWrite || result.status == IoStatus::WantRead) {
      ready.writeBlocked(result.status);
    } else {
      flushed.failed = true;
    }
    break;
  }
  return flushed;
}

}  // namespace httpgate::gate
