// The nghttp2 session of an Http2Connection: its settings and options, and
// the callbacks through which it opens streams and hands them their fields
// and DATA.
#include <spdlog/spdlog.h>

#include <string_view>

#include "common/time/clock.h"
#include "gate/proxy/http2_connection.h"
#include "gate/proxy/http2_stream.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

// The connection-level window: what all the streams of one connection may
// hold together before the client must wait.
constexpr int32_t kConnectionWindow = 1024 * 1024;
// CONTINUATION frames after one HEADERS: 16 KiB each (the default frame
// size) carry more than limits.max_request_header can allow.
constexpr size_t kMaxContinuations = 8;

Http2Connection& connectionOf(void* self) {
  return *static_cast<Http2Connection*>(self);
}

}  // namespace

void Http2Connection::createSession() {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, onBeginFrame);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSent);

  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  // Windows open as the streams' exchanges forward the bytes, not as they
  // arrive (Http2Stream::moveRequestBody).
  nghttp2_option_set_no_auto_window_update(options, 1);
  // CONTINUATION floods (CVE-2024-27316 class): a header block in at most
  // this many frames, or the session ends (libnghttp2 also bounds what it
  // keeps of one by the header list size it decodes, and our streams by
  // limits.max_request_header).
  nghttp2_option_set_max_continuations(options, kMaxContinuations);
  nghttp2_session_server_new2(&session_, callbacks, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);

  const Config& config = *runtime_->config;
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, config.limits.http2MaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, config.limits.maxRequestHeader},
      // RFC 8441: WebSockets over a stream of this connection (extended
      // CONNECT), tunneled to the backend as HTTP/1.1 upgrades.
      {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
      // RFC 9113 5.3.2 / RFC 9218: the gate does not follow RFC 7540's
      // priority tree; saying so keeps libnghttp2 from building one (and
      // from keeping closed streams for it) on every connection.
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings,
                          sizeof(settings) / sizeof(settings[0]));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
}

Http2Stream* Http2Connection::stream(int32_t id) {
  auto found = streams_.find(id);
  return found == streams_.end() ? nullptr : found->second.get();
}

int Http2Connection::onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  Http2Connection& connection = connectionOf(self);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;  // trailers: their fields are dropped (onHeader)
  }
  const int32_t id = frame->hd.stream_id;
  connection.streams_.emplace(id, std::make_unique<Http2Stream>(connection, id));
  return 0;
}

int Http2Connection::onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                              size_t nameLength, const uint8_t* value, size_t valueLength, uint8_t,
                              void* self) {
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;  // request trailers are not forwarded
  }
  Http2Stream* stream = connectionOf(self).stream(frame->hd.stream_id);
  if (stream == nullptr) {
    return 0;
  }
  // Past limits.max_request_header the stream keeps nothing more and is
  // answered 431 once its block is decoded (an HPACK bomb costs the
  // decoding, never the memory).
  stream->addField(std::string_view(reinterpret_cast<const char*>(name), nameLength),
                   std::string_view(reinterpret_cast<const char*>(value), valueLength));
  return 0;
}

// Resets and GOAWAYs the gate sends, whoever decided them (a stream, or the
// session itself for a frame it refused), for /metrics.
int Http2Connection::onFrameSent(nghttp2_session* session, const nghttp2_frame* frame, void* self) {
  WorkerMetrics& metrics = connectionOf(self).worker_.metrics();
  const int32_t id = frame->hd.stream_id;
  if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 &&
      nghttp2_session_get_stream_remote_close(session, id) == 0) {
    // The response is complete before the request (an early answer, a
    // tunnel the backend ended): the client is told to stop sending
    // (RFC 9113 8.1), and the stream does not linger half-open.
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
  }
  if (frame->hd.type == NGHTTP2_RST_STREAM) {
    metrics
        .http2Resets[static_cast<size_t>(ResetSide::Gate)]
                    [static_cast<size_t>(resetReasonOf(frame->rst_stream.error_code))]
        .add();
  } else if (frame->hd.type == NGHTTP2_GOAWAY) {
    metrics.http2Goaways.add();
  }
  return 0;
}

// The frames a flood is made of (http2_flood_guard.h), charged as they come.
bool Http2Connection::withinBudget(const nghttp2_frame_hd& frame) {
  FloodFrame kind;
  switch (frame.type) {
    case NGHTTP2_RST_STREAM:
      kind = FloodFrame::RstStream;
      break;
    case NGHTTP2_PING:
    case NGHTTP2_SETTINGS:
      if ((frame.flags & NGHTTP2_FLAG_ACK) != 0) {
        return true;
      }
      kind = frame.type == NGHTTP2_PING ? FloodFrame::Ping : FloodFrame::Settings;
      break;
    case NGHTTP2_PRIORITY:
      kind = FloodFrame::Priority;
      break;
    case NGHTTP2_DATA:
      if (frame.length > 0 || (frame.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
        return true;
      }
      kind = FloodFrame::EmptyData;
      break;
    default:
      return true;
  }
  if (floodGuard_.charge(clock::coarseMs())) {
    return true;
  }
  spdlog::warn("{}: HTTP/2 {} flood: GOAWAY ENHANCE_YOUR_CALM", conn_->address(), labelOf(kind));
  worker_.metrics().http2Floods[static_cast<size_t>(kind)].add();
  nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
  goawaySent_ = true;
  return false;
}

// Every frame header, before libnghttp2 acts on the frame (or ignores it,
// as it does PRIORITY once told that the gate has no priority tree).
int Http2Connection::onBeginFrame(nghttp2_session*, const nghttp2_frame_hd* frame, void* self) {
  if (!connectionOf(self).withinBudget(*frame)) {
    // Nothing more of this client's input is processed: its GOAWAY goes
    // out and the connection closes (receive()).
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

int Http2Connection::onFrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  if (frame->hd.type == NGHTTP2_RST_STREAM) {
    connectionOf(self)
        .worker_.metrics()
        .http2Resets[static_cast<size_t>(ResetSide::Client)]
                    [static_cast<size_t>(resetReasonOf(frame->rst_stream.error_code))]
        .add();
  }
  Http2Stream* stream = connectionOf(self).stream(frame->hd.stream_id);
  if (stream == nullptr) {
    return 0;
  }
  const bool endStream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        stream->headersDone(endStream);
      } else if (endStream) {
        stream->requestStreamEnded();  // trailers end the request
      }
      break;
    case NGHTTP2_DATA:
      if (endStream) {
        stream->requestStreamEnded();
      }
      break;
    default:
      break;
  }
  return 0;
}

int Http2Connection::onDataChunk(nghttp2_session* session, uint8_t, int32_t streamId,
                                 const uint8_t* data, size_t length, void* self) {
  Http2Stream* stream = connectionOf(self).stream(streamId);
  if (stream == nullptr) {
    // A stream already answered or reset: its window goes back at once.
    nghttp2_session_consume(session, streamId, length);
    return 0;
  }
  if (!stream->receiveData(data, length)) {
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, streamId, NGHTTP2_FLOW_CONTROL_ERROR);
  }
  return 0;
}

int Http2Connection::onStreamClose(nghttp2_session*, int32_t streamId, uint32_t, void* self) {
  Http2Connection& connection = connectionOf(self);
  auto found = connection.streams_.find(streamId);
  if (found == connection.streams_.end()) {
    return 0;
  }
  found->second->closed();
  // Freed after the session's call returns: the stream may be on its stack.
  connection.closedStreams_.push_back(std::move(found->second));
  connection.streams_.erase(found);
  return 0;
}

}  // namespace httpgate::gate
