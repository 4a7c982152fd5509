#include "common/http/body_decoder.h"

#include <algorithm>

#include "common/http/char_table.h"

namespace httpgate::http {

namespace {

using detail::hasClass;

// Bounds that keep a hostile body from making the decoder count forever or
// overflow: RFC 9112 sets none, these are far above what real senders use.
constexpr uint32_t kMaxChunkSizeLine = 4096;
constexpr uint32_t kMaxTrailerBytes = 16 * 1024;
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 62;
constexpr uint8_t kMaxChunkSizeDigits = 16;

}  // namespace

void BodyDecoder::reset(BodyKind kind, uint64_t length) {
  kind_ = kind;
  remaining_ = 0;
  payload_ = 0;
  chunkSize_ = 0;
  lineBytes_ = 0;
  trailerBytes_ = 0;
  sizeDigits_ = 0;
  error_ = "";
  switch (kind) {
    case BodyKind::None:
      state_ = State::Done;
      break;
    case BodyKind::Length:
      remaining_ = length;
      state_ = length == 0 ? State::Done : State::Length;
      break;
    case BodyKind::Chunked:
      state_ = State::ChunkSizeStart;
      break;
    case BodyKind::UntilClose:
      state_ = State::UntilClose;
      break;
  }
}

BodyDecoder::Step BodyDecoder::feed(std::string_view in) {
  return run(in, [](std::string_view) {});
}

BodyDecoder::Step BodyDecoder::decode(std::string_view in, std::string& payload) {
  return run(in, [&payload](std::string_view piece) { payload.append(piece); });
}

template <typename OnPayload>
BodyDecoder::Step BodyDecoder::run(std::string_view in, OnPayload onPayload) {
  size_t pos = 0;
  while (pos < in.size() && state_ != State::Done && state_ != State::Error) {
    switch (state_) {
      case State::UntilClose:
        onPayload(in.substr(pos));
        payload_ += in.size() - pos;
        pos = in.size();
        break;
      case State::Length:
      case State::ChunkData: {
        // Payload is taken in one piece: only framing goes byte by byte.
        const uint64_t n = std::min<uint64_t>(remaining_, in.size() - pos);
        onPayload(in.substr(pos, static_cast<size_t>(n)));
        pos += static_cast<size_t>(n);
        remaining_ -= n;
        payload_ += n;
        if (remaining_ == 0) {
          state_ = state_ == State::Length ? State::Done : State::ChunkDataCr;
        }
        break;
      }
      default:
        step(in[pos]);
        ++pos;
        break;
    }
  }
  if (state_ == State::Error) {
    return Step{0, false, true, error_};
  }
  return Step{pos, state_ == State::Done, false, ""};
}

const char* BodyDecoder::fail(const char* reason) {
  state_ = State::Error;
  error_ = reason;
  return reason;
}

const char* BodyDecoder::endOfElement(char c, State onWhitespace) {
  if (c == ';') {
    state_ = State::ExtNameStart;
  } else if (isOws(c)) {
    state_ = onWhitespace;
  } else if (c == '\r') {
    state_ = State::ChunkSizeLf;
  } else {
    return fail(c == '\n' ? "bare LF in chunk-size line" : "invalid chunk-size line");
  }
  return nullptr;
}

const char* BodyDecoder::step(char c) {
  // The chunk-size line states and the trailer states are contiguous in State.
  if (state_ >= State::ChunkSizeStart && state_ <= State::ChunkSizeLf) {
    if (++lineBytes_ > kMaxChunkSizeLine) {
      return fail("chunk-size line too long");
    }
  } else if (state_ >= State::TrailerStart) {
    if (++trailerBytes_ > kMaxTrailerBytes) {
      return fail("trailer section too large");
    }
    if (trailers_ != nullptr && state_ != State::FinalLf &&
        !(state_ == State::TrailerStart && c == '\r')) {
      trailers_->push_back(c);
    }
  }
  switch (state_) {
    case State::ChunkSizeStart:
      if (!hasClass(c, detail::kHex)) {
        return fail("invalid chunk-size");
      }
      chunkSize_ = static_cast<unsigned>(hexValue(c));
      sizeDigits_ = 1;
      state_ = State::ChunkSize;
      return nullptr;
    case State::ChunkSize:
      if (hasClass(c, detail::kHex)) {
        const auto digit = static_cast<unsigned>(hexValue(c));
        if (++sizeDigits_ > kMaxChunkSizeDigits || chunkSize_ > (kMaxChunkSize - digit) / 16) {
          return fail("chunk-size too large");
        }
        chunkSize_ = chunkSize_ * 16 + digit;
        return nullptr;
      }
      return endOfElement(c, State::ExtBeforeSemi);
    case State::ExtBeforeSemi:
      if (c == ';') {
        state_ = State::ExtNameStart;
      } else if (!isOws(c)) {
        return fail("invalid chunk extension");
      }
      return nullptr;
    case State::ExtNameStart:
      if (hasClass(c, detail::kToken)) {
        state_ = State::ExtName;
      } else if (!isOws(c)) {
        return fail("invalid chunk extension name");
      }
      return nullptr;
    case State::ExtName:
      if (c == '=') {
        state_ = State::ExtValueStart;
        return nullptr;
      }
      return hasClass(c, detail::kToken) ? nullptr : endOfElement(c, State::ExtAfterName);
    case State::ExtAfterName:
      if (c == '=') {
        state_ = State::ExtValueStart;
      } else if (c == ';') {
        state_ = State::ExtNameStart;
      } else if (!isOws(c)) {
        return fail("invalid chunk extension");
      }
      return nullptr;
    case State::ExtValueStart:
      if (c == '"') {
        state_ = State::ExtQuoted;
      } else if (hasClass(c, detail::kToken)) {
        state_ = State::ExtToken;
      } else if (!isOws(c)) {
        return fail("invalid chunk extension value");
      }
      return nullptr;
    case State::ExtToken:
      return hasClass(c, detail::kToken) ? nullptr : endOfElement(c, State::ExtBeforeSemi);
    case State::ExtQuoted:
      if (c == '"') {
        state_ = State::ExtAfterQuoted;
      } else if (c == '\\') {
        state_ = State::ExtQuotedPair;
      } else if (!hasClass(c, detail::kQdText)) {
        return fail("invalid character in quoted chunk extension");
      }
      return nullptr;
    case State::ExtQuotedPair:
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ): the field-value set.
      if (!hasClass(c, detail::kFieldValue)) {
        return fail("invalid quoted-pair in chunk extension");
      }
      state_ = State::ExtQuoted;
      return nullptr;
    case State::ExtAfterQuoted:
      return endOfElement(c, State::ExtBeforeSemi);
    case State::ChunkSizeLf:
      if (c != '\n') {
        return fail("bare CR in chunk-size line");
      }
      if (chunkSize_ == 0) {
        state_ = State::TrailerStart;  // the last chunk
      } else {
        remaining_ = chunkSize_;
        state_ = State::ChunkData;
      }
      return nullptr;
    case State::ChunkDataCr:
      if (c != '\r') {
        return fail("missing CRLF after chunk data");
      }
      state_ = State::ChunkDataLf;
      return nullptr;
    case State::ChunkDataLf:
      if (c != '\n') {
        return fail("missing CRLF after chunk data");
      }
      lineBytes_ = 0;
      state_ = State::ChunkSizeStart;
      return nullptr;
    default:
      return stepTrailer(c);
  }
}

const char* BodyDecoder::stepTrailer(char c) {
  switch (state_) {
    case State::TrailerStart:
      if (c == '\r') {
        state_ = State::FinalLf;
      } else if (hasClass(c, detail::kToken)) {
        state_ = State::TrailerName;
      } else if (isOws(c)) {
        return fail("obs-fold in trailer section");
      } else {
        return fail(c == '\n' ? "bare LF in trailer section" : "invalid trailer field name");
      }
      return nullptr;
    case State::TrailerName:
      if (c == ':') {
        state_ = State::TrailerValue;
      } else if (!hasClass(c, detail::kToken)) {
        return fail(isOws(c) ? "whitespace before colon in trailer" : "invalid trailer field name");
      }
      return nullptr;
    case State::TrailerValue:
      if (c == '\r') {
        state_ = State::TrailerLf;
      } else if (!hasClass(c, detail::kFieldValue)) {
        return fail(c == '\n' ? "bare LF in trailer section" : "invalid trailer field value");
      }
      return nullptr;
    case State::TrailerLf:
      if (c != '\n') {
        return fail("bare CR in trailer section");
      }
      state_ = State::TrailerStart;
      return nullptr;
    case State::FinalLf:
      if (c != '\n') {
        return fail("bare CR after trailer section");
      }
      state_ = State::Done;
      return nullptr;
    default:
      return fail("body decoder in an impossible state");
  }
}

}  // namespace httpgate::http
