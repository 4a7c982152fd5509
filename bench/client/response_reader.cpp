#include "bench/client/response_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace httpgate::bench {
namespace {

constexpr size_t kMaxHead = 64 * 1024;

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

ResponseReader::State ResponseReader::feed(std::string_view bytes) {
  uint64_t bodyBytes = bytes.size();
  if (!inBody_) {
    size_t searchFrom = head_.size() < 3 ? 0 : head_.size() - 3;
    head_.append(bytes);
    size_t end = head_.find("\r\n\r\n", searchFrom);
    if (end == std::string::npos) {
      return head_.size() > kMaxHead ? State::Error : State::NeedMore;
    }
    bodyBytes = head_.size() - (end + 4);
    head_.resize(end + 2);
    State state = parseHead();
    if (state != State::NeedMore) {
      return state;
    }
    inBody_ = true;
  }
  if (untilEof_) {
    bodyRead_ += bodyBytes;
    return State::NeedMore;
  }
  bodyRead_ += std::min<uint64_t>(bodyBytes, bodyLength_ - bodyRead_);
  return bodyRead_ == bodyLength_ ? State::Done : State::NeedMore;
}

ResponseReader::State ResponseReader::endOfStream() {
  return inBody_ && untilEof_ ? State::Done : State::Error;
}

// Reads the status code and the framing of the complete head in head_
// (which ends with the CRLF of its last field line). Returns Done for a
// response without a body, NeedMore when a body follows, Error otherwise.
ResponseReader::State ResponseReader::parseHead() {
  std::string_view head = head_;
  size_t lineEnd = head.find("\r\n");
  std::string_view statusLine = head.substr(0, lineEnd);
  if (statusLine.size() < 12 || statusLine.substr(0, 7) != "HTTP/1.") {
    return State::Error;
  }
  auto [next, code] = std::from_chars(statusLine.data() + 9, statusLine.data() + 12, status_);
  if (code != std::errc() || next != statusLine.data() + 12) {
    return State::Error;
  }
  bool haveLength = false;
  for (size_t at = lineEnd + 2; at < head.size();) {
    size_t end = head.find("\r\n", at);
    std::string_view line = head.substr(at, end - at);
    at = end + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return State::Error;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (equalsIgnoringCase(name, "transfer-encoding")) {
      return State::Error;
    }
    if (equalsIgnoringCase(name, "content-length")) {
      auto result = std::from_chars(value.data(), value.data() + value.size(), bodyLength_);
      if (result.ec != std::errc() || result.ptr != value.data() + value.size()) {
        return State::Error;
      }
      haveLength = true;
    }
  }
  head_.clear();
  bool noBody = status_ == 204 || status_ == 304 || status_ / 100 == 1;
  if (noBody || (haveLength && bodyLength_ == 0)) {
    return State::Done;
  }
  untilEof_ = !haveLength;
  return State::NeedMore;
}

}  // namespace httpgate::bench
