// Follows the framing of a message body so that a proxy can forward the body
// verbatim, in pieces, without buffering it, and still know exactly where the
// message ends. Chunked bodies are validated byte by byte (a resumable state
// machine): a malformed chunk-size line, a missing CRLF after chunk data, an
// oversized chunk-size, bad extensions or bad trailer fields are errors, so a
// body the gate forwards can never be read as two messages by the receiver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/http/message.h"

namespace httpgate::http {

class BodyDecoder {
 public:
  struct Step {
    size_t consumed = 0;      // bytes of the input that belong to the body (forward them)
    bool done = false;        // the body ended within those bytes
    bool error = false;       // the input is not a valid body; consumed is then 0
    const char* reason = "";  // with error: short static text for the log
  };

  // Starts a new body of the given kind (`length` for BodyKind::Length).
  // BodyKind::None is done at once.
  void reset(BodyKind kind, uint64_t length = 0);

  // Consumes the longest prefix of `in` that belongs to the body; bytes after
  // the end of the body are left alone (they are the next message). For
  // UntilClose everything is consumed and done never becomes true. May be
  // called with any split of the input, one byte at a time included.
  Step feed(std::string_view in);

  bool done() const { return state_ == State::Done; }
  BodyKind kind() const { return kind_; }
  // Bytes of payload (chunk data or Length bytes) still expected in the
  // current chunk or body; 0 while in chunk framing.
  uint64_t remaining() const { return remaining_; }

 private:
  enum class State : uint8_t {
    Done,
    Length,
    UntilClose,
    ChunkSizeStart,  // expecting the first hex digit of a chunk-size
    ChunkSize,       // more hex digits, ';', or CR
    ChunkExt,        // inside chunk extensions up to CR
    ChunkSizeLf,     // CR seen, expecting LF
    ChunkData,
    ChunkDataCr,     // expecting CR after chunk data
    ChunkDataLf,
    TrailerStart,    // at the start of a trailer line (or the final CRLF)
    TrailerLine,     // inside a trailer field line
    TrailerLf,       // CR seen at end of a trailer line
    FinalLf,         // CR of the final empty line seen
  };

  State state_ = State::Done;
  BodyKind kind_ = BodyKind::None;
  uint64_t remaining_ = 0;
  uint32_t lineBytes_ = 0;     // bytes in the current chunk-size/trailer line
  uint32_t trailerBytes_ = 0;  // bytes of trailers so far
  uint8_t sizeDigits_ = 0;
  bool extInQuote_ = false;
  bool extEscape_ = false;
  bool trailerSawColon_ = false;
  bool trailerSawName_ = false;
};

}  // namespace httpgate::http
