// The session child: the process fork()ed for one new session. It binds a
// port of its own, answers the request that opened the session on the
// connection inherited from the parent (with "Connection: close": the gate
// pools connections per port, and a kept-alive connection to the parent's
// port could later carry another user's request into this session), and
// then serves only requests that carry its session id on its own port,
// several keep-alive connections at once, until it has been idle for
// sessionTimeout or gets TERM.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "appserver/src/request_reader.h"
#include "appserver/src/routes.h"
#include "appserver/src/signals.h"
#include "appserver/src/tls_server.h"
#include "common/net/address.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver {

class SessionChild {
 public:
  // Runs in the child right after fork(), with the parent's descriptors
  // already closed and signals still blocked. Takes `firstFd`, the accepted
  // connection. Never returns: the process ends with _exit(0).
  // `tls` (null: plain HTTP) wraps every connection, the first one too.
  [[noreturn]] static void run(const Options& options, const detail::Routes& routes,
                               const detail::TlsServer* tls, int firstFd);

 private:
  using Clock = std::chrono::steady_clock;

  struct Connection {
    Connection(int descriptor, const sockaddr_storage& peerAddress, const Options& options)
        : fd(descriptor),
          peer(net::addressText(peerAddress)),
          peerLoopback(net::isLoopback(peerAddress)),
          reader(options.maxHead, options.maxBody) {}
    int fd;
    std::unique_ptr<detail::TlsLink> tls;  // null on plain HTTP
    std::string peer;
    // Only the gate or the host's own users can connect from loopback: the
    // gate's X-Pil and X-Forwarded-* fields are believed from there alone.
    bool peerLoopback;
    detail::RequestReader reader;
    std::string out;
    bool first = false;       // the connection inherited from the parent
    bool closing = false;     // close once `out` is written
    bool peerClosed = false;  // the client shut down its side
    bool broken = false;      // a read or write failed: close now
    // Closing: our side was shut down after the last answer, and what the
    // client still sends is read and dropped until it closes or this time
    // passes, so that close() does not reset the connection (a reset can
    // destroy the answer before the client has read it).
    bool shutDown = false;
    std::chrono::steady_clock::time_point lingerUntil;
  };

  SessionChild(const Options& options, const detail::Routes& routes, const detail::TlsServer* tls,
               int firstFd);
  // Adds accepted `fd` (non-blocking) to connections_, with TLS when on;
  // false (fd closed) when its TLS session cannot be made.
  bool addConnection(int fd);
  [[noreturn]] void serve();
  [[noreturn]] void end(const char* why);
  void acceptConnections();
  void readFrom(Connection& connection);
  void process(Connection& connection);
  void answer(Connection& connection);
  void flush(Connection& connection);
  // Whether `connection` is finished and can be closed (see shutDown).
  bool finished(Connection& connection, Clock::time_point now);
  Clock::time_point deadline() const;

  const Options& options_;
  const detail::Routes& routes_;
  const detail::TlsServer* tls_;
  detail::SignalPipe signals_;
  Session session_;
  int listenFd_ = -1;
  std::string bindError_;
  std::list<Connection> connections_;
  std::string firstAddress_;  // the client address that opened the session
  bool started_ = false;      // the first request was answered without an error
  bool firstDone_ = false;    // the first request was answered at all
  bool terminating_ = false;
  Clock::time_point lastRequest_;
  Clock::time_point flushDeadline_;
};

}  // namespace httpgate::appserver
