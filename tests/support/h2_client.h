// A well-behaved HTTP/2 client for tests: libnghttp2's client session over
// a TLS connection that offered ALPN "h2". Requests are submitted with
// exactly the fields the test gives (pseudo-fields included), bodies sent
// whole or bit by bit (an RFC 8441 tunnel), and what comes back is kept per
// stream: status, fields, DATA, trailers, a reset and its code. Every wait
// is bounded in time. For what no well-behaved client sends (floods,
// stalls), use h2_frames.h.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/bytes.h"
#include "tests/support/client.h"

namespace httpgate::test {

using H2Fields = std::vector<std::pair<std::string, std::string>>;

struct H2StreamResult {
  int status = 0;            // the final response's :status; 0 until it came
  H2Fields headers;          // the final response's fields (without :status)
  std::vector<int> interim;  // 1xx statuses before it
  H2Fields trailers;         // a trailing HEADERS block
  std::string data;          // every DATA payload, in order (unless setKeepData(false))
  uint64_t dataBytes = 0;    // their total size
  std::string dataSha256;    // without keepData: their SHA-256 hex, once the stream closed
  bool remoteEnded = false;  // END_STREAM from the gate
  bool closed = false;
  uint32_t resetCode = 0;  // the error code of a RST_STREAM (either side), if any
  bool reset = false;

  std::string header(std::string_view name) const;
};

class H2Client {
 public:
  // Connects to 127.0.0.1:`port` with TLS offering "h2", and sends the
  // connection preface with `settings` (none: the defaults).
  explicit H2Client(uint16_t port, std::vector<nghttp2_settings_entry> settings = {});
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  bool connected() const { return session_ != nullptr; }
  const std::string& error() const { return error_; }

  // Submits a request; `body` is sent with it and ends the stream;
  // without one the stream ends with the HEADERS unless `keepOpen`, and
  // then sendData() writes to it. Returns the stream id (< 0: failure).
  int32_t submit(const H2Fields& fields, std::optional<std::string> body = std::nullopt,
                 bool keepOpen = false);
  // GET `path` with :authority "gate.test".
  int32_t get(std::string_view path);
  // Submits a request whose body is the first `length` bytes of
  // patternByte() (streaming_backend.h), made as nghttp2 asks for them.
  int32_t submitPattern(const H2Fields& fields, uint64_t length);
  // false: DATA is hashed and counted, not kept (bodies of a GiB).
  void setKeepData(bool keep) { keepData_ = keep; }
  // Queues `bytes` on a stream opened with keepOpen; `end` ends it after them.
  void sendData(int32_t stream, std::string_view bytes, bool end = false);
  void resetStream(int32_t stream, uint32_t code = NGHTTP2_CANCEL);

  // Runs the connection (writes what is queued, reads and processes what
  // comes) until `done` holds, the connection ends, or `timeout`.
  bool runUntil(const std::function<bool()>& done, Millis timeout = kIoTimeout);
  // Runs until `stream` is closed.
  bool waitClosed(int32_t stream, Millis timeout = kIoTimeout);
  // Runs until `stream`'s DATA holds at least `bytes`.
  bool waitData(int32_t stream, size_t bytes, Millis timeout = kIoTimeout);

  const H2StreamResult& stream(int32_t id) { return streams_[id]; }
  // The server's SETTINGS value `id` (nghttp2_settings_id).
  uint32_t remoteSetting(int32_t id) const;
  bool goawayReceived() const { return goaway_.has_value(); }
  uint32_t goawayError() const { return goaway_.value_or(0); }
  // The connection ended (EOF, a reset, or nghttp2 gave up on it).
  bool ended() const { return ended_; }

 private:
  static ssize_t readBody(nghttp2_session*, int32_t stream, uint8_t* buffer, size_t length,
                          uint32_t* flags, nghttp2_data_source*, void* self);
  bool flush();
  bool receive(Millis timeout);

  struct Outgoing {
    std::string bytes;
    bool end = false;
    bool deferred = false;
    uint64_t patternLeft = 0;  // submitPattern: bytes still to make
    uint64_t patternAt = 0;
  };

  Client client_;
  nghttp2_session* session_ = nullptr;
  std::string error_;
  std::map<int32_t, H2StreamResult> streams_;
  std::map<int32_t, Outgoing> outgoing_;
  std::map<int32_t, std::shared_ptr<Sha256Stream>> hashes_;  // without keepData
  bool keepData_ = true;
  std::map<int32_t, int> blocks_;  // the kind of header block being read, per stream
  std::optional<uint32_t> goaway_;
  bool ended_ = false;

  friend struct H2ClientCallbacks;
};

}  // namespace httpgate::test
