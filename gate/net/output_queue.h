// What a connection sends: first the bytes the gate made itself (a request
// or response head, a gate-made answer), then bytes forwarded from the
// other side's input buffer without a copy. A small forwarded body is
// appended to a pending head so that both leave in one write (one TLS
// record, one TCP segment). Used by the client and the backend connections
// alike.
#pragma once

#include <cstddef>
#include <string>

#include "gate/net/buffer.h"
#include "gate/net/socket_events.h"
#include "gate/net/transport.h"

namespace httpgate::gate {

class OutputQueue {
 public:
  // A gate-made head and a small forwarded body go out in one write when
  // together they are at most this long.
  static constexpr size_t kCoalesceLimit = 16 * 1024;

  // The gate-made bytes, to append to.
  std::string& bytes() { return bytes_; }
  const std::string& bytes() const { return bytes_; }
  // Whether gate-made bytes are still unsent.
  bool pending() const { return sent_ < bytes_.size(); }
  // Replaces the queue with `bytes`, none of them sent yet.
  void reset(std::string bytes) {
    bytes_ = std::move(bytes);
    sent_ = 0;
  }
  // Takes the queued bytes, sent or not (to send them again elsewhere).
  std::string take() {
    sent_ = 0;
    return std::move(bytes_);
  }
  void clear() {
    bytes_.clear();
    sent_ = 0;
  }
  // Frees a large buffer left by a big gate-made answer once it is sent.
  void releaseSpare() {
    if (bytes_.empty() && bytes_.capacity() > kCoalesceLimit) {
      std::string().swap(bytes_);
    }
  }

  struct Flushed {
    bool progress = false;
    size_t bytes = 0;             // written in all
    bool failed = false;          // the peer is gone: IoStatus Eof or Error
    bool relievedSource = false;  // bytes were taken from a full `source`
  };
  // Writes while the socket takes bytes: the queue, then the first
  // `forward` bytes of `source` (consumed from it as they go; `forward` is
  // decreased). Sent gate-made bytes are dropped, unless `keepWhenSent`
  // (a request head kept for a retry on a fresh connection).
  // The pump calls this every round, mostly with nothing to send: that
  // case is decided here, inline.
  Flushed flush(Transport& transport, Readiness& ready, Buffer* source, size_t& forward,
                bool keepWhenSent = false) {
    if (source == nullptr) {
      forward = 0;
    }
    if (!pending() && forward == 0) {
      return {};
    }
    return write(transport, ready, source, forward, keepWhenSent);
  }

 private:
  Flushed write(Transport& transport, Readiness& ready, Buffer* source, size_t& forward,
                bool keepWhenSent);

  std::string bytes_;
  size_t sent_ = 0;
};

}  // namespace httpgate::gate
