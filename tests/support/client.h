// A test client of the gate: one TCP or TLS connection, bytes written
// exactly as the test gives them, responses read one at a time (so
// pipelined responses come out in order), close detection. Every call is
// bounded in time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tests/support/buffered_reader.h"
#include "tests/support/http_response.h"
#include "tests/support/tls_stream.h"

namespace httpgate::test {

class Client {
 public:
  // Connects to `host`:`port` (plain TCP), from `source` when given (see
  // connectTcp). Check connected().
  static Client plain(uint16_t port, const std::string& host = "127.0.0.1",
                      const std::string& source = "");
  // Connects and runs the TLS handshake.
  static Client tls(uint16_t port, const TlsOptions& options = {},
                    const std::string& host = "127.0.0.1");

  // Not connected; assign one of the above to it.
  Client() = default;
  Client(Client&&) = default;
  Client& operator=(Client&&) = default;

  bool connected() const { return stream_ != nullptr; }
  // Why connecting failed.
  const std::string& error() const { return error_; }
  // OpenSSL's reason code of a failed handshake (see TlsStream::connect).
  int tlsFailureReason() const { return tlsReason_; }

  // Writes all of `bytes`; false if the connection is gone or stalled.
  bool send(std::string_view bytes, Millis timeout = kIoTimeout);
  // Reads the next response; `headRequest` when it answers a HEAD.
  HttpResponse readResponse(bool headRequest = false, Millis timeout = kIoTimeout);
  // send() then readResponse().
  HttpResponse exchange(std::string_view request, bool headRequest = false,
                        Millis timeout = kIoTimeout);

  // Waits up to `timeout` for the gate to close the connection (EOF or a
  // reset). Bytes arriving meanwhile are kept in unread().
  bool waitClosed(Millis timeout = kIoTimeout);
  // Reads exactly `n` raw bytes (tunnel traffic); fewer on timeout or close.
  std::string readBytes(size_t n, Millis timeout = kIoTimeout);
  // Bytes received and not consumed by a reader.
  std::string unread() const { return reader_ ? reader_->buffered() : std::string(); }
  void shutdownWrite();

  // The TLS side of the connection; nullptr on a plain one.
  TlsStream* tlsStream() const { return tls_; }

 private:
  void attach(std::unique_ptr<Stream> stream);

  std::unique_ptr<Stream> stream_;
  std::unique_ptr<BufferedReader> reader_;
  TlsStream* tls_ = nullptr;
  std::string error_;
  int tlsReason_ = 0;
};

// "GET <target> HTTP/1.1", Host, then `extraFields` (each ending in CRLF),
// then the empty line.
std::string getRequest(std::string_view target, std::string_view extraFields = "",
                       std::string_view host = "gate.test");

// A request with a Content-Length body.
std::string postRequest(std::string_view target, std::string_view body,
                        std::string_view extraFields = "", std::string_view host = "gate.test");

}  // namespace httpgate::test
