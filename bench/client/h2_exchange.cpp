// Connection::exchangeH2: the bench's HTTP/2 requests through libnghttp2's
// client session (framing, HPACK, flow control, SETTINGS acknowledgements
// are all the library's), on the connection's blocking TLS socket.
#include <nghttp2/nghttp2.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/client/connection.h"

namespace httpgate::bench {
namespace {

// What the session's callbacks learn about the streams.
struct StreamsSeen {
  std::vector<int> status;  // by stream: index (id - 1) / 2 (client streams are odd)
  unsigned closed = 0;
  unsigned good = 0;  // closed without an error after a 200
  std::string firstProblem;
};

size_t slot(int32_t streamId) {
  return static_cast<size_t>(streamId - 1) / 2;
}

int onHeader(nghttp2_session* /*session*/, const nghttp2_frame* frame, const uint8_t* name,
             size_t nameLength, const uint8_t* value, size_t valueLength, uint8_t /*flags*/,
             void* user) {
  auto* seen = static_cast<StreamsSeen*>(user);
  const size_t at = slot(frame->hd.stream_id);
  if (frame->hd.type != NGHTTP2_HEADERS || at >= seen->status.size() || nameLength != 7 ||
      std::memcmp(name, ":status", 7) != 0) {
    return 0;
  }
  const char* text = reinterpret_cast<const char*>(value);
  std::from_chars(text, text + valueLength, seen->status[at]);
  return 0;
}

int onStreamClose(nghttp2_session* /*session*/, int32_t streamId, uint32_t errorCode, void* user) {
  auto* seen = static_cast<StreamsSeen*>(user);
  const size_t at = slot(streamId);
  const int status = at < seen->status.size() ? seen->status[at] : 0;
  ++seen->closed;
  if (errorCode == NGHTTP2_NO_ERROR && status == 200) {
    ++seen->good;
  } else if (seen->firstProblem.empty()) {
    seen->firstProblem = errorCode != NGHTTP2_NO_ERROR
                             ? std::string("stream reset: ") + nghttp2_http2_strerror(errorCode)
                             : "status " + std::to_string(status);
  }
  return 0;
}

nghttp2_nv field(const char* name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.c_str())), std::strlen(name),
          value.size(), NGHTTP2_NV_FLAG_NONE};  // nghttp2 copies them
}

// Frees the session however the exchange ends.
struct SessionOwner {
  nghttp2_session* session = nullptr;
  ~SessionOwner() { nghttp2_session_del(session); }
};

}  // namespace

Failure Connection::exchangeH2(const Options& options, unsigned streams) {
  if (failure_ != Failure::None) {
    return failure_;
  }
  StreamsSeen seen;
  seen.status.assign(streams, 0);
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) {
    return fail(Failure::Write, "nghttp2_session_callbacks_new failed");
  }
  nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose);
  SessionOwner owner;
  const int made = nghttp2_session_client_new(&owner.session, callbacks, &seen);
  nghttp2_session_callbacks_del(callbacks);
  if (made != 0) {
    return fail(Failure::Write,
                std::string("nghttp2_session_client_new: ") + nghttp2_strerror(made));
  }
  nghttp2_session* session = owner.session;
  // As browsers do: no server push.
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, 1);
  const std::string method = "GET", scheme = "https", userAgent = "httpgate-bench-client",
                    accept = "*/*";
  const nghttp2_nv request[] = {field(":method", method),
                                field(":scheme", scheme),
                                field(":authority", options.serverName),
                                field(":path", options.path),
                                field("user-agent", userAgent),
                                field("accept", accept)};
  for (unsigned i = 0; i < streams; ++i) {
    const int32_t id = nghttp2_submit_request(session, nullptr, request,
                                              sizeof request / sizeof request[0], nullptr, nullptr);
    if (id < 0) {
      return fail(Failure::Write, std::string("nghttp2_submit_request: ") + nghttp2_strerror(id));
    }
  }
  char buffer[16384];
  for (;;) {
    // Everything the session has to say first: the preface, requests,
    // SETTINGS acknowledgements, WINDOW_UPDATEs for what was read.
    for (;;) {
      const uint8_t* data = nullptr;
      const ssize_t length = nghttp2_session_mem_send(session, &data);
      if (length < 0) {
        return fail(Failure::Write, std::string("nghttp2_session_mem_send: ") +
                                        nghttp2_strerror(static_cast<int>(length)));
      }
      if (length == 0) {
        break;
      }
      if (!writeAll(
              std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(length)))) {
        return fail(Failure::Write, std::string("write: ") + std::strerror(errno));
      }
    }
    if (seen.closed == streams) {
      break;
    }
    if (nghttp2_session_want_read(session) == 0) {
      return fail(Failure::Response, "the server ended the HTTP/2 session (GOAWAY) with " +
                                         std::to_string(streams - seen.closed) + " streams open");
    }
    // Bounded: each read waits at most options.timeoutSeconds.
    const long got = readSome(buffer, sizeof buffer);
    if (got <= 0) {
      return fail(Failure::Read, got == 0 ? "connection closed with streams open"
                                          : std::string("read: ") + std::strerror(errno));
    }
    const ssize_t used = nghttp2_session_mem_recv(session, reinterpret_cast<const uint8_t*>(buffer),
                                                  static_cast<size_t>(got));
    if (used < 0) {
      return fail(Failure::Response, std::string("nghttp2_session_mem_recv: ") +
                                         nghttp2_strerror(static_cast<int>(used)));
    }
  }
  if (seen.good != streams) {
    return fail(Failure::Response, seen.firstProblem);
  }
  return Failure::None;
}

}  // namespace httpgate::bench
