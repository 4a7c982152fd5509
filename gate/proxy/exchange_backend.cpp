// An exchange's backend I/O: finishing the connect, writing the request
// (the head, then body bytes straight from the client side's input buffer),
// reading the response into the backend connection's buffer.
#include "common/assert.h"
#include "gate/proxy/exchange.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {

bool Exchange::exchangeWithBackend() {
  bool progress = false;
  if (!ended_ && backend_) {
    progress |= flushToBackend();
  }
  if (!ended_ && backend_) {
    progress |= readBackend();
  }
  if (!ended_ && backend_) {
    progress |= processBackendInput();
  }
  return progress;
}

bool Exchange::flushToBackend() {
  HTTPGATE_ASSERT(backend_ != nullptr);
  if (backend_->connecting()) {
    if (!backend_->connectReady()) {
      return false;
    }
    switch (backend_->finishConnect()) {
      case BackendConnection::ConnectResult::Connected:
        client_.noteActivity();
        return true;
      case BackendConnection::ConnectResult::InProgress:
        return false;  // the TLS handshake waits for the socket
      case BackendConnection::ConnectResult::Refused:
        backendFailed(BackendFailure::Refused);
        return true;
      case BackendConnection::ConnectResult::Failed:
        backendFailed(BackendFailure::ConnectFailed);
        return true;
      case BackendConnection::ConnectResult::TlsFailed:
        tlsFailed();
        return true;
    }
    return true;
  }
  // A request without a body keeps its head until the response begins, for
  // a retry on a fresh connection (canRetryOnFreshConnection).
  const OutputQueue::Flushed flushed =
      backend_->flush(client_.requestBytes(), forwardRequest_, !request_.hasBody);
  if (flushed.progress) {
    client_.noteActivity();
  }
  if (flushed.relievedSource) {
    // The client was waiting on the backend, not the other way round: its
    // body's rate is measured afresh from here.
    restartBodyWindow();
  }
  if (flushed.failed) {
    backendWriteFailed();
    return true;
  }
  if (tunnel_ && client_.requestEnded() && forwardRequest_ == 0 && !backend_->requestPending()) {
    backend_->transport().shutdownWrite();
  }
  return flushed.progress;
}

// The backend closed or reset while the gate was sending to it.
void Exchange::backendWriteFailed() {
  if (tunnel_ || responseHeadDone_) {
    abortExchange();
  } else if (!responseBytesSeen_) {
    backendFailed(BackendFailure::Died);
  } else {
    // Its response may still be readable: let the reader take over.
    forwardRequest_ = 0;
    requestDone_ = true;
    closeAfterResponse_ = true;
  }
}

// Reading stays on while the backend is connected, also after the response:
// an early close or stray bytes then show (and keep the connection out of the
// pool), and the read event is not re-armed for every request.
bool Exchange::wantBackendInput() const {
  if (ended_ || !backend_ || backend_->connecting() || backend_->eof()) {
    return false;
  }
  const Buffer& in = backend_->in();
  return !in.allocated() || !in.full();
}

bool Exchange::readBackend() {
  HTTPGATE_ASSERT(backend_ != nullptr);
  if (!backend_->readable() || !wantBackendInput()) {
    return false;
  }
  switch (backend_->receive(worker_.backendBuffers())) {
    case BackendConnection::Received::Bytes:
      responseBytesSeen_ = true;
      client_.noteActivity();
      return true;
    case BackendConnection::Received::Blocked:
      return false;
    case BackendConnection::Received::Ended:
      return true;
    case BackendConnection::Received::NoMemory:
      abandon();
      return false;
  }
  return false;
}

void Exchange::armBackend() {
  if (backend_) {
    backend_->arm(wantBackendInput(), backend_->requestPending() || forwardRequest_ > 0);
  }
}

void Exchange::releaseIdleBuffers() {
  if (backend_ && backend_->in().allocated() && backend_->in().empty()) {
    backend_->in().release();
  }
}

bool Exchange::tunnelBackendDone() const {
  return backend_ && backend_->eof() && forwardResponse_ == 0 && backend_->in().empty();
}

bool Exchange::tunnelClientDone() const {
  return backend_ && client_.requestEnded() && forwardRequest_ == 0;
}

}  // namespace httpgate::gate
