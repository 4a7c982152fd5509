// The switch of a client session to a raw tunnel (routes.raw_paths, see
// raw_tunnel.h). startExchange() has queued the request head with
// "Connection: close" on a new backend connection and left the bytes that
// followed the head in the client's input; nothing of them is parsed.
#include "gate/proxy/client_session.h"

namespace httpgate::gate {

// Called once the backend has accepted the connection (a refusal or a
// connect timeout is answered with 502/410/504 as for any request, since
// nothing has been relayed yet). From here on both sides are relayed
// verbatim, the backend's answer included, until one of them closes, as
// after a 101; the connection never returns to the pool.
bool ClientSession::enterRawTunnel() {
  logStatus_ = 200;  // the backend took the request; its answer is not HTTP
  writeAccessLog();
  phase_ = Phase::Tunnel;
  responseHeadDone_ = true;
  forwardRequest_ = clientIn_.size();
  forwardResponse_ = backend_->in().size();
  return true;
}

}  // namespace httpgate::gate
