#include "tests/support/h2_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "tests/support/bytes.h"
#include "tests/support/deadline.h"
#include "tests/support/streaming_backend.h"

namespace httpgate::test {
namespace {

// Where a header block's fields go, decided by its :status (or its lack).
enum class Block { Interim, Final, Trailers };

nghttp2_nv field(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

std::string H2StreamResult::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) {
      return v;
    }
  }
  return {};
}

// The session's callbacks, with access to the client's state.
struct H2ClientCallbacks {
  static H2Client& self(void* user) { return *static_cast<H2Client*>(user); }

  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    H2Client& client = self(user);
    const bool trailers = client.streams_[frame->hd.stream_id].status >= 200;
    client.blocks_[frame->hd.stream_id] =
        static_cast<int>(trailers ? Block::Trailers : Block::Final);
    return 0;
  }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t nameLength, const uint8_t* value, size_t valueLength, uint8_t,
                      void* user) {
    H2StreamResult& s = self(user).streams_[frame->hd.stream_id];
    int& kind = self(user).blocks_[frame->hd.stream_id];
    const std::string n(reinterpret_cast<const char*>(name), nameLength);
    const std::string v(reinterpret_cast<const char*>(value), valueLength);
    if (n == ":status") {
      const int status = std::atoi(v.c_str());
      if (status < 200) {
        s.interim.push_back(status);
        kind = static_cast<int>(Block::Interim);
      } else {
        s.status = status;
      }
      return 0;
    }
    if (kind == static_cast<int>(Block::Final)) {
      s.headers.emplace_back(n, v);
    } else if (kind == static_cast<int>(Block::Trailers)) {
      s.trailers.emplace_back(n, v);
    }
    return 0;
  }

  static int onData(nghttp2_session*, uint8_t, int32_t stream, const uint8_t* data, size_t length,
                    void* user) {
    H2Client& client = self(user);
    H2StreamResult& s = client.streams_[stream];
    s.dataBytes += length;
    if (client.keepData_) {
      s.data.append(reinterpret_cast<const char*>(data), length);
    } else {
      std::shared_ptr<Sha256Stream>& hash = client.hashes_[stream];
      if (!hash) {
        hash = std::make_shared<Sha256Stream>();
      }
      hash->add(data, length);
    }
    return 0;
  }

  static int onFrame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    H2Client& client = self(user);
    switch (frame->hd.type) {
      case NGHTTP2_GOAWAY:
        client.goaway_ = frame->goaway.error_code;
        break;
      case NGHTTP2_RST_STREAM: {
        H2StreamResult& s = client.streams_[frame->hd.stream_id];
        s.reset = true;
        s.resetCode = frame->rst_stream.error_code;
        break;
      }
      case NGHTTP2_DATA:
      case NGHTTP2_HEADERS:
        if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
          client.streams_[frame->hd.stream_id].remoteEnded = true;
        }
        break;
      default:
        break;
    }
    return 0;
  }

  static int onClose(nghttp2_session*, int32_t stream, uint32_t errorCode, void* user) {
    H2Client& client = self(user);
    H2StreamResult& s = client.streams_[stream];
    s.closed = true;
    auto hash = client.hashes_.find(stream);
    if (hash != client.hashes_.end()) {
      s.dataSha256 = hash->second->hex();
      client.hashes_.erase(hash);
    }
    if (errorCode != NGHTTP2_NO_ERROR && !s.reset) {
      s.reset = true;
      s.resetCode = errorCode;
    }
    client.blocks_.erase(stream);
    return 0;
  }
};

H2Client::H2Client(uint16_t port, std::vector<nghttp2_settings_entry> settings) {
  TlsOptions options;
  options.offerH2 = true;
  client_ = Client::tls(port, options);
  if (!client_.connected()) {
    error_ = client_.error();
    return;
  }
  // Frames are small and interleaved both ways (a WINDOW_UPDATE while a
  // body flows): without this, Nagle holds each behind the last ACK.
  const int one = 1;
  setsockopt(client_.tlsStream()->fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (client_.tlsStream()->alpn() != "h2") {
    error_ = "ALPN chose \"" + client_.tlsStream()->alpn() + "\", not h2";
    return;
  }
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks,
                                                          H2ClientCallbacks::onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, H2ClientCallbacks::onHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, H2ClientCallbacks::onData);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, H2ClientCallbacks::onFrame);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, H2ClientCallbacks::onClose);
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  // A test client sends what it is told, however large (an HPACK bomb):
  // the gate is the one to refuse it.
  nghttp2_option_set_max_send_header_block_length(option, 64 * 1024 * 1024);
  nghttp2_session_client_new2(&session_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  flush();
}

H2Client::~H2Client() {
  nghttp2_session_del(session_);
}

ssize_t H2Client::readBody(nghttp2_session*, int32_t stream, uint8_t* buffer, size_t length,
                           uint32_t* flags, nghttp2_data_source*, void* user) {
  Outgoing& out = static_cast<H2Client*>(user)->outgoing_[stream];
  if (out.patternLeft > 0) {
    const size_t made = static_cast<size_t>(std::min<uint64_t>(length, out.patternLeft));
    fillPattern(out.patternAt, reinterpret_cast<char*>(buffer), made);
    out.patternAt += made;
    out.patternLeft -= made;
    if (out.patternLeft == 0) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(made);
  }
  const size_t n = std::min(length, out.bytes.size());
  std::memcpy(buffer, out.bytes.data(), n);
  out.bytes.erase(0, n);
  if (out.bytes.empty() && out.end) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    out.deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

int32_t H2Client::submit(const H2Fields& fields, std::optional<std::string> body, bool keepOpen) {
  if (session_ == nullptr) {
    return -1;
  }
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (const auto& [name, value] : fields) {
    nva.push_back(field(name, value));
  }
  nghttp2_data_provider provider;
  provider.source.ptr = nullptr;
  provider.read_callback = readBody;
  const bool withData = body.has_value() || keepOpen;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                            withData ? &provider : nullptr, nullptr);
  if (id > 0 && withData) {
    Outgoing& out = outgoing_[id];
    out.bytes = body.value_or(std::string());
    out.end = !keepOpen;
  }
  flush();
  return id;
}

int32_t H2Client::get(std::string_view path) {
  return submit({{":method", "GET"},
                 {":scheme", "https"},
                 {":authority", "gate.test"},
                 {":path", std::string(path)}});
}

int32_t H2Client::submitPattern(const H2Fields& fields, uint64_t length) {
  const int32_t id = submit(fields, std::string(), true);
  if (id > 0) {
    Outgoing& out = outgoing_[id];
    out.patternLeft = length;
    out.end = true;
    if (out.deferred) {
      out.deferred = false;
      nghttp2_session_resume_data(session_, id);
    }
  }
  return id;
}

void H2Client::sendData(int32_t stream, std::string_view bytes, bool end) {
  Outgoing& out = outgoing_[stream];
  out.bytes.append(bytes);
  out.end = out.end || end;
  if (out.deferred) {
    out.deferred = false;
    nghttp2_session_resume_data(session_, stream);
  }
  flush();
}

void H2Client::resetStream(int32_t stream, uint32_t code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, code);
  flush();
}

bool H2Client::flush() {
  if (session_ == nullptr || ended_) {
    return false;
  }
  for (int i = 0; i < 10000 && nghttp2_session_want_write(session_) != 0; ++i) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      error_ = nghttp2_strerror(static_cast<int>(n));
      ended_ = true;
      return false;
    }
    if (n == 0) {
      break;
    }
    if (!client_.send(
            std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)))) {
      error_ = "the gate stopped reading";
      ended_ = true;
      return false;
    }
  }
  return true;
}

bool H2Client::receive(Millis timeout) {
  char buffer[16384];
  size_t got = 0;
  switch (client_.tlsStream()->read(buffer, sizeof buffer, timeout, got)) {
    case IoStatus::Ok:
      break;
    case IoStatus::Timeout:
      return true;
    case IoStatus::Eof:
    case IoStatus::Error:
      ended_ = true;
      return false;
  }
  const ssize_t used =
      nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(buffer), got);
  if (used < 0) {
    error_ = nghttp2_strerror(static_cast<int>(used));
    ended_ = true;
    return false;
  }
  return true;
}

bool H2Client::runUntil(const std::function<bool()>& done, Millis timeout) {
  if (session_ == nullptr) {
    return false;
  }
  const Deadline deadline(timeout);
  while (!done()) {
    if (ended_ || deadline.expired() || !flush()) {
      return done();
    }
    if (done()) {
      break;
    }
    receive(std::min(Millis{20}, deadline.remaining()));
  }
  flush();
  return true;
}

bool H2Client::waitClosed(int32_t stream, Millis timeout) {
  return runUntil([&] { return streams_[stream].closed; }, timeout);
}

bool H2Client::waitData(int32_t stream, size_t bytes, Millis timeout) {
  return runUntil([&] { return streams_[stream].data.size() >= bytes; }, timeout);
}

uint32_t H2Client::remoteSetting(int32_t id) const {
  return nghttp2_session_get_remote_settings(session_, static_cast<nghttp2_settings_id>(id));
}

}  // namespace httpgate::test
