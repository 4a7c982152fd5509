// HTTP/2 on a TLS client connection whose ALPN chose h2 (RFC 9113), with
// libnghttp2's session doing the framing, HPACK and flow control: it is fed
// the bytes the transport decrypted and its output goes into the
// connection's output queue, so it owns no socket of its own. Every stream
// is an Http2Stream carrying its own Exchange.
//
// The pump, per event: read the socket and feed the session (its callbacks
// open streams and hand them fields and DATA), run each stream's exchange,
// then let the session write (HEADERS, DATA pulled from the streams) while
// the output queue has room, and flush. Memory is bounded by the windows:
// a stream's DATA window is what its buffers hold, and the connection's
// window caps all of them together.
#pragma once

#include <event2/util.h>
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "gate/proxy/client_connection.h"
#include "gate/proxy/client_side.h"
#include "gate/proxy/http2_flood_guard.h"
#include "gate/proxy/runtime.h"

struct event;

namespace httpgate::gate {

class Http2Stream;
class Worker;

class Http2Connection final : public ClientSide {
 public:
  Http2Connection(Worker& worker, std::shared_ptr<const Runtime> runtime,
                  std::unique_ptr<ClientConnection> connection, DrainState drain);
  ~Http2Connection();
  Http2Connection(const Http2Connection&) = delete;
  Http2Connection& operator=(const Http2Connection&) = delete;

  void start() override;
  // GOAWAY with the last stream id: the streams in flight finish, no new
  // one is taken, and the connection closes when the last one ends.
  void drain() override;
  // A reload that turned http2 off on this connection's listener drains it
  // (its client reconnects and gets HTTP/1.1).
  void configurationChanged() override;

  // For the streams.
  Worker& worker() { return worker_; }
  // The configuration a new stream is routed by: the worker's newest, so
  // that after a reload an open connection's next streams follow the new
  // routes, as an HTTP/1.1 connection's next request does. The session's
  // own settings stay as they were when it began.
  const std::shared_ptr<const Runtime>& runtime() const;
  size_t listener() const { return listener_; }
  ClientConnection& client() { return *conn_; }
  nghttp2_session* session() { return session_; }
  bool draining() const { return drain_.draining; }
  // A stream's exchange saw something outside the connection's own events:
  // run the pump; may destroy the connection, so it is the caller's last act.
  void streamEvent();
  // Per-stream DATA window: what one stream's buffers may hold.
  static constexpr int32_t kStreamWindow = 64 * 1024;
  // Response payload decoded ahead of the client, all streams together:
  // a stream takes more from its backend only while this is under
  // kResponseBudget, so that a client reading nothing holds at most that
  // much (and one backend buffer per stream) whatever its stream count.
  static constexpr size_t kResponseBudget = 1024 * 1024;
  bool responseRoom() const { return responseHeld_ < kResponseBudget; }
  void holdResponse(size_t bytes) { responseHeld_ += bytes; }
  void releaseResponse(size_t bytes) { responseHeld_ -= bytes; }

 private:
  static void onSocketEvent(void* self, short what);
  static void onTimer(void* self);
  static void onDeferredFlush(evutil_socket_t, short, void* self);
  void afterEvent();

  // The pump (http2_connection.cpp).
  void run();
  bool receive();
  void endForBadInput(int error);
  bool pumpStreams();
  bool send();
  void dropClosedStreams();
  void finishDrain();
  void closeNow();
  int64_t deadline() const;
  void onDeadline();

  // The session's callbacks (http2_session.cpp).
  void createSession();
  Http2Stream* stream(int32_t id);
  static int onBeginFrame(nghttp2_session*, const nghttp2_frame_hd* frame, void* self);
  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t nameLength, const uint8_t* value, size_t valueLength, uint8_t flags,
                      void* self);
  static int onFrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int onFrameSent(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int onDataChunk(nghttp2_session*, uint8_t flags, int32_t streamId, const uint8_t* data,
                         size_t length, void* self);
  static int onStreamClose(nghttp2_session*, int32_t streamId, uint32_t errorCode, void* self);
  // Charges `frame` to the flood budget; false once it is spent (the
  // session then ends with ENHANCE_YOUR_CALM).
  bool withinBudget(const nghttp2_frame_hd& frame);

  Worker& worker_;
  std::shared_ptr<const Runtime> runtime_;  // the session's settings were made from this one
  size_t listener_;
  std::unique_ptr<ClientConnection> conn_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, std::unique_ptr<Http2Stream>> streams_;
  std::vector<std::unique_ptr<Http2Stream>> closedStreams_;  // freed after the session's call
  DrainState drain_;
  Http2FloodGuard floodGuard_;
  size_t responseHeld_ = 0;      // see kResponseBudget
  event* flushEvent_ = nullptr;  // writes what streamEvent() made
  bool deferFlush_ = false;      // inside streamEvent(): frames are made, not written
  bool goawaySent_ = false;
  bool dead_ = false;
};

}  // namespace httpgate::gate
