// One client connection of a serving process (a session child or the
// sequential server): its socket, its TLS, the request being read and the
// answers not yet written, and the steps of its life that do not depend on
// who answers it.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>

#include "appserver/src/request_reader.h"
#include "appserver/src/response_writer.h"
#include "appserver/src/tls_server.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

struct Connection {
  using Clock = std::chrono::steady_clock;

  Connection(int descriptor, const sockaddr_storage& peerAddress, const Options& options);

  int fd;
  std::unique_ptr<TlsLink> tls;  // null on plain HTTP
  std::string peer;
  // Only the gate or the host's own users can connect from loopback: the
  // gate's X-Pil and X-Forwarded-* fields are believed from there alone.
  bool peerLoopback;
  RequestReader reader;
  std::string out;
  bool first = false;       // handed over by the parent: it opens the session
  bool closing = false;     // close once `out` is written
  bool peerClosed = false;  // the client shut down its side
  bool broken = false;      // a read or write failed: close now
  // Closing: our side was shut down after the last answer, and what the
  // client still sends is read and dropped until it closes or this time
  // passes, so that close() does not reset the connection (a reset can
  // destroy the answer before the client has read it).
  bool shutDown = false;
  Clock::time_point lingerUntil;
};

// Reads what the client sent into connection.reader (or drops it when the
// connection is closing); notes a close or a broken connection.
void readFrom(Connection& connection);
// Queues `response` on `connection` (closing it after when options.close).
void queueResponse(Connection& connection, const Response& response, const WriteOptions& options);
// Writes as much of connection.out as the socket takes.
void flush(Connection& connection);
// Whether `connection` is finished and can be closed; starts the lingering
// close (see Connection::shutDown) once its last answer is written.
bool finished(Connection& connection, Connection::Clock::time_point now);

}  // namespace httpgate::appserver::detail
