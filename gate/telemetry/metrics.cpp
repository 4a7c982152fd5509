#include "gate/telemetry/metrics.h"

#include <ctime>

namespace httpgate::gate {

const char* labelOf(StatusClass value) {
  static const char* const kNames[kStatusClasses] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(RouteKind value) {
  static const char* const kNames[kRouteKinds] = {"port", "app", "default", "redirect", "local"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(HandshakeFailure value) {
  static const char* const kNames[kHandshakeFailures] = {"timeout", "closed", "protocol"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(ConnectFailure value) {
  static const char* const kNames[kConnectFailures] = {"refused", "timeout", "error", "host_down",
                                                       "tls"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(Protocol value) {
  static const char* const kNames[kProtocols] = {"http/1.1", "h2"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(ResetSide value) {
  static const char* const kNames[kResetSides] = {"client", "gate"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(ResetReason value) {
  static const char* const kNames[kResetReasons] = {"no_error",     "protocol", "refused", "cancel",
                                                    "flow_control", "internal", "other"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(FloodFrame value) {
  static const char* const kNames[kFloodFrames] = {"rst_stream", "ping",       "settings",
                                                   "priority",   "empty_data", "continuation"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(ProxyHeaderFailure value) {
  static const char* const kNames[kProxyHeaderFailures] = {"untrusted_source", "malformed",
                                                           "truncated", "timeout"};
  return kNames[static_cast<size_t>(value)];
}

const char* labelOf(LimitKind value) {
  static const char* const kNames[kLimitKinds] = {"max_connections", "listener_connections",
                                                  "client_connections", "client_requests"};
  return kNames[static_cast<size_t>(value)];
}

// RFC 9113 7: 0x0 NO_ERROR, 0x1 PROTOCOL_ERROR, 0x2 INTERNAL_ERROR, 0x3 FLOW_CONTROL_ERROR,
// 0x7 REFUSED_STREAM, 0x8 CANCEL; the rest are rare enough to share a label.
ResetReason resetReasonOf(uint32_t errorCode) {
  switch (errorCode) {
    case 0x0:
      return ResetReason::NoError;
    case 0x1:
      return ResetReason::Protocol;
    case 0x2:
      return ResetReason::Internal;
    case 0x3:
      return ResetReason::FlowControl;
    case 0x7:
      return ResetReason::Refused;
    case 0x8:
      return ResetReason::Cancel;
    default:
      return ResetReason::Other;
  }
}

bool statusClassOf(int status, StatusClass& out) {
  if (status < 100 || status > 599) {
    return false;
  }
  out = static_cast<StatusClass>(status / 100 - 1);
  return true;
}

ProcessMetrics::ProcessMetrics() : startTimeSeconds(static_cast<int64_t>(std::time(nullptr))) {}

ProcessMetrics& processMetrics() {
  static ProcessMetrics metrics;
  return metrics;
}

}  // namespace httpgate::gate
