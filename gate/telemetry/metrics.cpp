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
  static const char* const kNames[kConnectFailures] = {"refused", "timeout", "error", "host_down"};
  return kNames[static_cast<size_t>(value)];
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
