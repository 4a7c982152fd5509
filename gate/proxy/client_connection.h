// The client's socket and everything that moves its bytes: the transport
// (plain or TLS), the readiness events, the input buffer, the output queue
// and the timer. It knows nothing of HTTP: the protocol on top of it
// (http1_connection.h) decides what to read, what to send and when to close.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "gate/limits/connection_slot.h"
#include "gate/net/buffer.h"
#include "gate/net/output_queue.h"
#include "gate/net/socket_events.h"
#include "gate/net/transport.h"

namespace httpgate::gate {

class Worker;

class ClientConnection {
 public:
  // What a read brought.
  enum class Received {
    Bytes,     // into in()
    Blocked,   // nothing for now (or no room)
    Ended,     // the client closed its sending side
    Failed,    // the connection broke (a reset): nothing can be sent either
    NoMemory,  // no buffer to read into
  };

  // Takes ownership of the accepted socket `fd` and of `ssl` (null on a
  // plain listener), accepted on the runtime's listener `listener`, and of
  // `slot`, what it holds against the connection limits (Worker::admit),
  // given back when the connection is destroyed. Socket events go to
  // `onSocket(owner, what)`, the timer to `onTimer(owner)`.
  ClientConnection(Worker& worker, size_t listener, int fd, SSL* ssl, const sockaddr_storage& peer,
                   ConnectionSlot slot, SocketEvents::Handler onSocket, void (*onTimer)(void*),
                   void* owner);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Sends the socket's events and the timer to another owner: the
  // protocol a TLS handshake hands the connection to.
  void rebind(SocketEvents::Handler onSocket, void (*onTimer)(void*), void* owner);
  size_t listener() const { return listener_; }

  // The client's address (the one a PROXY header named, else the peer's),
  // and as text (IPv4-mapped IPv6 addresses as IPv4).
  const sockaddr_storage& clientAddress() const { return client_; }
  const char* address() const { return address_; }
  // The client a PROXY header named: from now on the connection's address.
  void setClientAddress(const sockaddr_storage& client);
  // TLS from now on: the handshake begins on a connection whose PROXY
  // header has been read (null: it could not be made; isTls() says so).
  void startTls(SSL* ssl) { transport_.startTls(ssl); }
  int fd() const { return transport_.fd(); }
  // What the connection holds against the connection limits.
  ConnectionSlot& slot() { return slot_; }
  bool isTls() const { return transport_.isTls(); }
  std::string_view cipher() const { return transport_.cipher(); }
  std::string_view alpn() const { return transport_.alpn(); }

  // One step of the TLS handshake; Ok once it is complete.
  IoResult handshake();
  Readiness& ready() { return events_.ready(); }

  // Reads into in() (after emptying it when `discard`: a closing
  // connection throws away what the client still sends).
  Received receive(bool discard);
  Buffer& in() { return in_; }
  const Buffer& in() const { return in_; }
  // The client will send nothing more.
  bool eof() const { return eof_; }

  // Gate-made bytes for the client, sent before forwarded ones.
  std::string& out() { return out_.bytes(); }
  bool outPending() const { return out_.pending(); }
  // Writes the queued bytes, then the first `forward` bytes of `source`
  // (see OutputQueue::flush).
  OutputQueue::Flushed flush(Buffer* source, size_t& forward);
  // Ends the sending side: TLS close_notify, or a FIN.
  void shutdownWrite() { transport_.shutdownWrite(); }

  // Arms the socket's events: during the handshake for what it waits on,
  // afterwards for input when `wantInput` and for output when bytes are
  // pending. Input already inside OpenSSL runs the reader again from the
  // loop.
  void armHandshake();
  void arm(bool wantInput, bool outputPending);
  // Arms the timer for `when` (coarse monotonic ms), unless it fires
  // earlier anyway (it then re-arms for the later deadline).
  void armTimer(int64_t when);
  // The connection is over: every event off, the input dropped.
  void stop();
  // Gives idle buffers back to the worker's pool.
  void releaseIdleBuffers();

  // The last byte moved on the client's behalf (coarse monotonic ms).
  int64_t lastActivity() const { return lastActivity_; }
  void noteActivity();

 private:
  static void onTimerEvent(evutil_socket_t fd, short what, void* arg);

  Worker& worker_;
  size_t listener_;
  Transport transport_;
  SocketEvents events_;
  event timer_{};
  bool timerArmed_ = false;
  int64_t timerDeadline_ = 0;
  void (*onTimer_)(void*);
  void* owner_;
  Buffer in_;
  OutputQueue out_;
  bool eof_ = false;
  int64_t lastActivity_ = 0;
  sockaddr_storage client_{};
  char address_[INET6_ADDRSTRLEN] = {};
  ConnectionSlot slot_;
};

}  // namespace httpgate::gate
