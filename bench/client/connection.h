// One client connection of the bench: TCP, optionally TLS, blocking I/O
// with a time limit on every call, and one request/response exchange.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "bench/client/options.h"

namespace httpgate::bench {

// What went wrong with a connection, for the error counts.
enum class Failure { None, Connect, Handshake, Write, Read, Response };

const char* failureName(Failure failure);

// What the handshake agreed on, to show that every peer speaks alike.
struct TlsFacts {
  std::string protocol;
  std::string cipher;
  std::string group;
  std::string alpn;  // the protocol ALPN chose, empty when none was
};

// The bench's request: GET options.path with Host and keep-alive.
std::string makeRequest(const Options& options);

class Connection {
 public:
  // Connects to options.host:options.port with TCP_NODELAY, sends a PROXY
  // v2 header with options.proxyV2 (proxy_header.h), and runs the
  // TLS handshake with `context` unless it is nullptr (plain HTTP). With
  // options.h2 the client offers ALPN "h2" alone and fails the handshake
  // unless the server chose it; otherwise it offers no ALPN at all, so
  // servers speak HTTP/1.1. Check failure() afterwards. Does not take
  // `context`.
  static Connection open(const Options& options, SSL_CTX* context);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Closes the socket without a TLS close_notify: the bench measures the
  // server, and a client that just closes is the common case.
  ~Connection();

  Failure failure() const { return failure_; }
  const std::string& error() const { return error_; }

  // Writes `request` and reads one whole response. Returns Failure::None
  // for a complete 200 response, else the failure (also kept in failure()).
  Failure exchange(std::string_view request);

  // HTTP/2 (libnghttp2's client session) on a connection that negotiated
  // h2: the connection preface and SETTINGS, then `streams` concurrent GETs
  // of options.path, read until every stream has closed. Returns
  // Failure::None when each got a 200 and its whole body, else the failure.
  // The session is freed afterwards and the connection stays open: its
  // server sees an idle HTTP/2 connection (h2_exchange.cpp).
  Failure exchangeH2(const Options& options, unsigned streams);

  TlsFacts tlsFacts() const;

 private:
  Connection() = default;
  void closeNow();
  Failure fail(Failure failure, std::string error);
  bool writeAll(std::string_view bytes);
  // Reads up to `size` bytes: > 0 bytes read, 0 end of stream, < 0 error.
  long readSome(char* buffer, size_t size);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  Failure failure_ = Failure::None;
  std::string error_;
};

}  // namespace httpgate::bench
