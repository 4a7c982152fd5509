// What is recorded of one request for the request counters, the slowest
// requests of the status page and the access log: filled in as the request
// goes, written once when it ends, whoever answered it. The fields are
// copies, since the parsed head's views die with the input bytes they point
// into: the method and path always (into fixed arrays, no allocation), the
// rest only with an access log.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "common/http/message.h"
#include "gate/telemetry/metrics.h"
#include "gate/telemetry/slow_requests.h"

namespace httpgate::gate {

class Worker;
struct Runtime;

struct RequestLog {
  std::string method;  // empty for a request that could not be parsed: "-"
  std::string target;
  std::string referer;
  std::string userAgent;
  http::Version version = http::Version::Http11;
  bool http2 = false;  // came on an HTTP/2 stream (logged as HTTP/2.0)
  int status = 0;
  RouteKind routeKind = RouteKind::Local;
  uint64_t bytesSent = 0;    // bytes of this response written to the client
  uint16_t backendPort = 0;  // 0 when the gate answered itself
  timespec startWall{};      // when the request began (CLOCK_REALTIME)
  timespec startMono{};      // the same on CLOCK_MONOTONIC, for its duration
  SlowRequest slow;          // method and path (setRequest) for SlowRequests

  // A request begins now.
  void start();
  // A request begins now with `head`; its fields are copied only when
  // `accessLog` is on (the counters need none of them).
  void start(const http::RequestHead& head, bool accessLog);
  // Counts the request in `worker`'s metrics, offers it to the worker's
  // slowest requests and writes its access log line (when the runtime has
  // an access log).
  void write(Worker& worker, const Runtime& runtime, std::string_view client) const;
};

}  // namespace httpgate::gate
