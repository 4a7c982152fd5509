// A scripted HTTP/1.1 backend on 127.0.0.1, port 0: one thread accepts, one
// thread serves each connection with blocking sockets. It records every
// request byte for byte, counts connections, and answers with a handler.
// With BackendOptions::tls it speaks TLS (a session host behind
// routes.hosts[].tls) and records each handshake: resumed or not, failed.
#pragma once

#include <openssl/ssl.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend_reply.h"
#include "tests/support/backend_request.h"
#include "tests/support/sockets.h"

namespace httpgate::test {

using BackendHandler = std::function<BackendReply(const RecordedRequest&)>;

// TLS on the backend's connections; empty certPath = plain TCP.
struct BackendTlsOptions {
  std::string certPath;
  std::string keyPath;
  std::string clientCaPath;  // non-empty: a client certificate signed by it is required
};

struct BackendOptions {
  bool closeOnAccept = false;      // close every connection right after accept()
  bool answerContinue = true;      // send "100 Continue" to Expect: 100-continue before the body
  std::string host = "127.0.0.1";  // the loopback address to listen on
  uint16_t port = 0;               // 0: an ephemeral port
  BackendTlsOptions tls;
};

class Backend {
 public:
  // Starts listening at once; `handler` defaults to defaultReply.
  explicit Backend(BackendHandler handler = nullptr, BackendOptions options = {});
  // Stops accepting, cuts every connection, joins every thread.
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  uint16_t port() const { return port_; }
  size_t connectionCount() const;
  size_t requestCount() const;
  std::vector<RecordedRequest> requests() const;
  // Every byte received, on all connections, in arrival order.
  std::string receivedBytes() const;

  // TLS: whether each completed handshake resumed a session, in order;
  // the handshakes that failed, and the last failure's text.
  std::vector<bool> tlsResumed() const;
  size_t tlsFailures() const;
  std::string lastTlsFailure() const;
  bool waitForTlsFailures(size_t count, Millis timeout) const;
  // Cuts every open connection (as a backend closing idle keep-alive
  // connections does) and waits until their threads have finished.
  void cutConnections();

  // Wait until at least `count` requests (heads) / connections were seen.
  bool waitForRequests(size_t count, Millis timeout) const;
  bool waitForConnections(size_t count, Millis timeout) const;

  // The default answer: 200, Content-Length framed, keep-alive, with
  // defaultBody() as its body.
  static BackendReply defaultReply(const RecordedRequest& request);
  static std::string defaultBody(uint16_t port, std::string_view target);

 private:
  struct Connection {
    int fd = -1;  // owned by the serving thread; -1 once it closed it
    bool done = false;
    std::thread thread;
  };

  void acceptLoop();
  void serve(Connection* connection, size_t number);
  // Answers one request; false when the connection must end afterwards.
  bool respond(Stream& stream, BufferedReader& in, const RecordedRequest& request);
  void record(RecordedRequest request);
  // Sleeps `delay` unless the backend stops first; false if it stopped.
  bool pause(Millis delay);
  void joinFinished();
  // The stream of accepted `fd` (TLS: after the handshake), or null when
  // the handshake failed (recorded).
  std::unique_ptr<Stream> open(int fd);

  BackendHandler handler_;
  BackendOptions options_;
  UniqueFd listener_;
  uint16_t port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  size_t connectionCount_ = 0;
  std::vector<RecordedRequest> requests_;
  std::string received_;
  SSL_CTX* tlsContext_ = nullptr;
  std::vector<bool> tlsResumed_;
  size_t tlsFailures_ = 0;
  std::string lastTlsFailure_;
  std::list<std::unique_ptr<Connection>> connections_;
  std::thread acceptor_;
};

// Handlers for common scripts.
BackendReply echoReply(const RecordedRequest& request);    // 200, body = request body
BackendReply digestReply(const RecordedRequest& request);  // 200, body = SHA-256 hex of it

}  // namespace httpgate::test
