#include "gate/proxy/request_log.h"

#include <algorithm>

#include "common/http/chars.h"
#include "gate/proxy/runtime.h"
#include "gate/proxy/worker.h"

namespace httpgate::gate {
namespace {

std::string_view findHeader(const http::RequestHead& head, std::string_view name) {
  for (const http::HeaderField& field : head.headers) {
    if (http::iequals(field.name, name)) {
      return field.value;
    }
  }
  return {};
}

}  // namespace

void RequestLog::start() {
  clock_gettime(CLOCK_REALTIME, &startWall);
  clock_gettime(CLOCK_MONOTONIC, &startMono);
}

void RequestLog::start(const http::RequestHead& head, bool accessLog) {
  start();
  version = head.version;
  slow.setRequest(head.method, head.target);
  if (!accessLog) {
    return;
  }
  method.assign(head.method);
  target.assign(head.target);
  referer.assign(findHeader(head, "referer"));
  userAgent.assign(findHeader(head, "user-agent"));
}

void RequestLog::write(Worker& worker, const Runtime& runtime, std::string_view client) const {
  WorkerMetrics& metrics = worker.metrics();
  metrics.countRequest(status, routeKind);
  metrics.requestsByProtocol[static_cast<size_t>(http2 ? Protocol::Http2 : Protocol::Http1)].add();
  timespec end{};
  clock_gettime(CLOCK_MONOTONIC, &end);
  const int64_t durationNs = static_cast<int64_t>(end.tv_sec - startMono.tv_sec) * 1'000'000'000 +
                             (end.tv_nsec - startMono.tv_nsec);
  const uint64_t durationUs = static_cast<uint64_t>(std::max<int64_t>(0, durationNs / 1000));
  const int64_t endSeconds = startWall.tv_sec + durationNs / 1'000'000'000;
  if (slow.method[0] != '\0' && metrics.slowRequests.wouldKeep(durationUs, endSeconds)) {
    SlowRequest entry = slow;
    entry.startedAt = startWall.tv_sec;
    entry.durationUs = durationUs;
    entry.status = static_cast<uint16_t>(status);
    entry.backendPort = backendPort;
    metrics.slowRequests.keep(entry, endSeconds);
  }
  if (!runtime.accessLog) {
    return;
  }
  AccessRecord record;
  record.client = client;
  record.method = method.empty() ? std::string_view("-") : std::string_view(method);
  record.target = target;
  record.version = http2 ? "HTTP/2.0" : version == http::Version::Http10 ? "HTTP/1.0" : "HTTP/1.1";
  record.status = status;
  record.bytes = bytesSent;
  record.backendPort = backendPort;
  record.durationMs = static_cast<double>(durationNs) / 1e6;
  record.referer = referer;
  record.userAgent = userAgent;
  record.start = startWall;
  runtime.accessLog->write(record);
}

}  // namespace httpgate::gate
