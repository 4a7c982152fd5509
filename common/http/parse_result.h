// What a sans-I/O parsing step returns: NeedMore, Done(consumed) or
// Error(status). No exceptions: the caller decides what to do with bytes.
#pragma once

#include <cstddef>

namespace httpgate::http {

enum class ParseStatus : unsigned char { NeedMore, Done, Error };

struct ParseResult {
  ParseStatus status = ParseStatus::NeedMore;
  size_t consumed = 0;      // with Done: bytes of input the head took
  int errorStatus = 0;      // with Error: the HTTP status to answer (400, 414, 431, 501, 502)
  const char* reason = "";  // with Error: a short static text for the log

  static ParseResult needMore() { return {}; }
  static ParseResult done(size_t n) { return {ParseStatus::Done, n, 0, ""}; }
  static ParseResult error(int status, const char* why) {
    return {ParseStatus::Error, 0, status, why};
  }
};

}  // namespace httpgate::http
