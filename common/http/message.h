// The parsed form of an HTTP/1.1 message head, shared by the parsers, the
// header rules and their users. Every string_view points into the buffer the
// head was parsed from: it is valid only while that buffer is unchanged.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace httpgate::http {

struct HeaderField {
  std::string_view name;   // as received (case preserved), never empty
  std::string_view value;  // leading and trailing whitespace removed
};

enum class Version : uint8_t { Http10, Http11 };

// How the body of a message is delimited (RFC 9112 section 6.3).
enum class BodyKind : uint8_t {
  None,        // no body at all
  Length,      // exactly contentLength bytes
  Chunked,     // chunked transfer coding, ends with the last chunk and trailers
  UntilClose,  // responses only: the body ends when the sender closes
};

struct RequestHead {
  std::string_view method;  // a token, e.g. "GET"
  std::string_view target;  // request-target exactly as received
  // The origin-form path and query: target itself for origin-form, the part
  // from the first '/' after the authority for absolute-form ("/" when there
  // is none), "*" for asterisk-form, empty for authority-form (CONNECT).
  std::string_view path;
  Version version = Version::Http11;
  std::vector<HeaderField> headers;  // in received order

  BodyKind body = BodyKind::None;  // None, Length or Chunked for requests
  uint64_t contentLength = 0;      // meaningful when body == Length
  // Host header value; for absolute-form the authority from the target.
  std::string_view host;
  bool keepAlive = true;        // HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive"
  bool upgrade = false;         // "Connection: upgrade" and an Upgrade header
  bool expectContinue = false;  // "Expect: 100-continue"
  bool isHead = false;          // method is HEAD
  bool isConnect = false;       // method is CONNECT

  // Whether body bytes follow the head (Content-Length: 0 means none).
  bool hasBody() const {
    return body == BodyKind::Chunked || (body == BodyKind::Length && contentLength > 0);
  }

  // Makes the head empty again while keeping the vector's capacity.
  void clear();
};

struct ResponseHead {
  Version version = Version::Http11;
  int status = 0;  // 100..999
  std::string_view reason;
  std::vector<HeaderField> headers;

  BodyKind body = BodyKind::None;  // None, Length, Chunked or UntilClose
  uint64_t contentLength = 0;
  bool keepAlive = true;  // sender allows a further message on the connection

  void clear();
};

}  // namespace httpgate::http
