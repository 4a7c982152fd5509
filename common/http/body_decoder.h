// Follows the framing of a message body so that a proxy can forward the body
// verbatim, in pieces, without buffering it, and still know exactly where the
// message ends. Chunked bodies are validated byte by byte (a resumable state
// machine): a malformed chunk-size line, a missing CRLF after chunk data, an
// oversized chunk-size, bad extensions or bad trailer fields are errors, so a
// body the gate forwards can never be read as two messages by the receiver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
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
  // As feed(), and also appends the payload within the consumed bytes (chunk
  // data, Length bytes or, until close, all of them; never framing) to
  // `payload`: for a gateway that must hand a chunked body on with a
  // Content-Length. On error, `payload` may hold part of the rejected input.
  Step decode(std::string_view in, std::string& payload);

  // From now on (resets included), the trailer section's bytes of chunked
  // bodies are appended to `*section` as they are consumed: the field lines
  // with their CRLFs, at most 16 KiB, the final empty line left out. For an
  // HTTP/2 client, whose trailers are a HEADERS frame of their own.
  void keepTrailers(std::string* section) { trailers_ = section; }

  bool done() const { return state_ == State::Done; }
  BodyKind kind() const { return kind_; }
  // Bytes of payload (chunk data or Length bytes) still expected in the
  // current chunk or body; 0 while in chunk framing.
  uint64_t remaining() const { return remaining_; }
  // Bytes of payload consumed since reset(): what a body limit counts.
  uint64_t payloadBytes() const { return payload_; }

 private:
  // One state per position in the chunked grammar (RFC 9112 7.1), so that
  // any split of the input leaves the decoder somewhere it can resume.
  enum class State : uint8_t {
    Done,
    Error,  // sticky: a body that went wrong stays wrong
    Length,
    UntilClose,
    ChunkSizeStart,  // expecting the first hex digit of a chunk-size
    ChunkSize,       // more hex digits, BWS, ';', or CR
    ExtBeforeSemi,   // BWS after the size or an extension value; expecting ';'
    ExtNameStart,    // after ';': BWS, then the first char of a chunk-ext-name
    ExtName,         // inside a chunk-ext-name
    ExtAfterName,    // BWS after a name; expecting '=' or ';'
    ExtValueStart,   // after '=': BWS, then a token or a quoted-string
    ExtToken,        // inside a token value
    ExtQuoted,       // inside a quoted-string value
    ExtQuotedPair,   // after a backslash inside a quoted-string
    ExtAfterQuoted,  // after the closing quote
    ChunkSizeLf,     // CR of the chunk-size line seen, expecting LF
    ChunkData,
    ChunkDataCr,  // expecting CR after chunk data
    ChunkDataLf,
    TrailerStart,  // at the start of a trailer line (or the final CRLF)
    TrailerName,   // inside a trailer field name
    TrailerValue,  // after the colon, up to CR
    TrailerLf,     // CR seen at end of a trailer line
    FinalLf,       // CR of the final empty line seen
  };

  // The loop of feed() and decode(): `onPayload(view)` sees each run of
  // payload bytes as it is consumed.
  template <typename OnPayload>
  Step run(std::string_view in, OnPayload onPayload);
  // Handles one framing byte (any state but Done, Error, Length,
  // UntilClose and ChunkData); returns the reason when the byte is invalid.
  const char* step(char c);
  // The trailer section's part of step().
  const char* stepTrailer(char c);
  // A byte after a chunk-size, extension name or extension value.
  const char* endOfElement(char c, State onWhitespace);
  // Enters Error for good and returns `reason`.
  const char* fail(const char* reason);

  State state_ = State::Done;
  BodyKind kind_ = BodyKind::None;
  uint64_t remaining_ = 0;
  uint64_t payload_ = 0;
  uint64_t chunkSize_ = 0;     // the chunk-size being read
  uint32_t lineBytes_ = 0;     // bytes in the current chunk-size line
  uint32_t trailerBytes_ = 0;  // bytes of the trailer section so far
  uint8_t sizeDigits_ = 0;
  const char* error_ = "";  // the reason, once in Error
  std::string* trailers_ = nullptr;
};

}  // namespace httpgate::http
