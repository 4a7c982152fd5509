#include "gate/admin/metrics_report.h"

#include <algorithm>
#include <ctime>

#include "gate/telemetry/prometheus_text.h"

namespace httpgate::gate {
namespace {

using Workers = WorkerMetricsList;

void connections(PrometheusText& out, const MetricsSources& sources) {
  out.family("httpgate_open_connections", "Client connections open now, by listener.", "gauge");
  for (size_t i = 0; i < sources.listenerLabels.size(); ++i) {
    out.sample("httpgate_open_connections", {{"listener", sources.listenerLabels[i]}},
               openConnections(sources, i));
  }
}

void requests(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_requests_total",
             "Requests answered, by status class and by where the router sent them.", "counter");
  for (size_t c = 0; c < kStatusClasses; ++c) {
    for (size_t r = 0; r < kRouteKinds; ++r) {
      out.sample("httpgate_requests_total",
                 {{"code", labelOf(static_cast<StatusClass>(c))},
                  {"route", labelOf(static_cast<RouteKind>(r))}},
                 total(workers,
                       [&](const WorkerMetrics& w) -> const Counter& { return w.requests[c][r]; }));
    }
  }
}

void traffic(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_received_bytes_total", "Bytes received from clients (after TLS decryption).",
             "counter");
  out.sample(
      "httpgate_received_bytes_total", {},
      total(workers, [](const WorkerMetrics& w) -> const Counter& { return w.bytesReceived; }));
  out.family("httpgate_sent_bytes_total", "Bytes sent to clients (before TLS encryption).",
             "counter");
  out.sample("httpgate_sent_bytes_total", {},
             total(workers, [](const WorkerMetrics& w) -> const Counter& { return w.bytesSent; }));
}

void tls(PrometheusText& out, const Workers& workers) {
  const HandshakeCounts handshakes = allHandshakes(workers);
  out.family("httpgate_tls_handshakes_total", "TLS handshakes completed.", "counter");
  out.sample("httpgate_tls_handshakes_total", {}, handshakes.completed);
  out.family("httpgate_tls_handshake_failures_total", "TLS handshakes that failed, by reason.",
             "counter");
  for (size_t i = 0; i < kHandshakeFailures; ++i) {
    out.sample("httpgate_tls_handshake_failures_total",
               {{"reason", labelOf(static_cast<HandshakeFailure>(i))}}, handshakes.failed[i]);
  }
}

void proxyProtocol(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_proxy_headers_total",
             "PROXY protocol headers read: client = it named the client, local = the "
             "balancer's own address stands (LOCAL, UNKNOWN).",
             "counter");
  const char* const kKinds[] = {"client", "local"};
  for (size_t k = 0; k < 2; ++k) {
    out.sample("httpgate_proxy_headers_total", {{"address", kKinds[k]}},
               total(workers,
                     [&](const WorkerMetrics& w) -> const Counter& { return w.proxyHeaders[k]; }));
  }
  out.family("httpgate_proxy_header_failures_total",
             "Connections on proxy_protocol listeners closed before a PROXY header was read, by "
             "reason.",
             "counter");
  for (size_t i = 0; i < kProxyHeaderFailures; ++i) {
    out.sample("httpgate_proxy_header_failures_total",
               {{"reason", labelOf(static_cast<ProxyHeaderFailure>(i))}},
               total(workers, [&](const WorkerMetrics& w) -> const Counter& {
                 return w.proxyHeaderFailures[i];
               }));
  }
}

void protocols(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_connections_total",
             "Client connections by the protocol they spoke (TLS: the one ALPN chose).", "counter");
  for (size_t p = 0; p < kProtocols; ++p) {
    out.sample("httpgate_connections_total", {{"protocol", labelOf(static_cast<Protocol>(p))}},
               total(workers, [&](const WorkerMetrics& w) -> const Counter& {
                 return w.connectionsByProtocol[p];
               }));
  }
  out.family("httpgate_protocol_requests_total", "Requests answered, by the client's protocol.",
             "counter");
  for (size_t p = 0; p < kProtocols; ++p) {
    out.sample(
        "httpgate_protocol_requests_total", {{"protocol", labelOf(static_cast<Protocol>(p))}},
        total(workers,
              [&](const WorkerMetrics& w) -> const Counter& { return w.requestsByProtocol[p]; }));
  }
  out.family("httpgate_http2_streams_open", "HTTP/2 streams open now.", "gauge");
  int64_t open = 0;
  for (const auto& worker : workers) {
    open += worker->http2StreamsOpen.get();
  }
  out.sample("httpgate_http2_streams_open", {}, open);
  out.family("httpgate_http2_stream_resets_total",
             "HTTP/2 streams reset (RST_STREAM), by the side that reset them and why.", "counter");
  for (size_t s = 0; s < kResetSides; ++s) {
    for (size_t r = 0; r < kResetReasons; ++r) {
      out.sample("httpgate_http2_stream_resets_total",
                 {{"side", labelOf(static_cast<ResetSide>(s))},
                  {"reason", labelOf(static_cast<ResetReason>(r))}},
                 total(workers, [&](const WorkerMetrics& w) -> const Counter& {
                   return w.http2Resets[s][r];
                 }));
    }
  }
  out.family("httpgate_http2_goaways_total", "HTTP/2 GOAWAY frames the gate sent.", "counter");
  out.sample(
      "httpgate_http2_goaways_total", {},
      total(workers, [](const WorkerMetrics& w) -> const Counter& { return w.http2Goaways; }));
  out.family("httpgate_http2_floods_total",
             "HTTP/2 connections ended with GOAWAY ENHANCE_YOUR_CALM for a flood, by the frame "
             "that spent the connection's budget.",
             "counter");
  for (size_t f = 0; f < kFloodFrames; ++f) {
    out.sample(
        "httpgate_http2_floods_total", {{"frame", labelOf(static_cast<FloodFrame>(f))}},
        total(workers, [&](const WorkerMetrics& w) -> const Counter& { return w.http2Floods[f]; }));
  }
}

void backends(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_backend_connect_failures_total",
             "Connections to backends that could not be opened, by reason.", "counter");
  for (size_t i = 0; i < kConnectFailures; ++i) {
    out.sample("httpgate_backend_connect_failures_total",
               {{"reason", labelOf(static_cast<ConnectFailure>(i))}},
               total(workers, [&](const WorkerMetrics& w) -> const Counter& {
                 return w.connectFailures[i];
               }));
  }
}

void limits(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_limited_total",
             "Connections closed at accept and requests answered 429, by the limit that refused "
             "them.",
             "counter");
  for (size_t i = 0; i < kLimitKinds; ++i) {
    out.sample(
        "httpgate_limited_total", {{"limit", labelOf(static_cast<LimitKind>(i))}},
        total(workers, [&](const WorkerMetrics& w) -> const Counter& { return w.limited[i]; }));
  }
  out.family("httpgate_client_table_full_total",
             "Connections and requests admitted without per-client limits: the client table was "
             "full of clients with open connections.",
             "counter");
  out.sample(
      "httpgate_client_table_full_total", {},
      total(workers, [](const WorkerMetrics& w) -> const Counter& { return w.clientTableFull; }));
}

// One sample per remote host of the running configuration (routes.hosts):
// 1 while up, 0 while marked down. The family is written even without hosts.
void hostHealth(PrometheusText& out, const HostHealthRegistry* registry) {
  out.family("httpgate_backend_host_up",
             "Whether a host of routes.hosts is up (1) or marked down after failed connects (0).",
             "gauge");
  const std::shared_ptr<const HostHealthSet> set =
      registry != nullptr ? registry->current() : nullptr;
  if (!set) {
    return;
  }
  for (const auto& host : set->hosts()) {
    out.sample("httpgate_backend_host_up", {{"host", host->name()}},
               uint64_t{host->up() ? 1u : 0u});
  }
}

// One sample per certificate name of the running configuration: when it
// stops being valid. Two files with the same first name (an RSA and an
// ECDSA certificate for one host) would make the same series: the one that
// expires first is shown, since that is the one to act on.
void certificates(PrometheusText& out, const CertificateRegistry* registry) {
  out.family("httpgate_certificate_not_after_seconds",
             "When a certificate the gate presents expires (its notAfter), in seconds since the "
             "epoch, by its first DNS name.",
             "gauge");
  const std::shared_ptr<const CertificateList> list =
      registry != nullptr ? registry->current() : nullptr;
  if (!list) {
    return;
  }
  std::vector<const CertificateInfo*> shown;
  for (const CertificateInfo& info : *list) {
    auto same = std::find_if(shown.begin(), shown.end(), [&](const CertificateInfo* other) {
      return other->label() == info.label();
    });
    if (same == shown.end()) {
      shown.push_back(&info);
    } else if (info.notAfter < (*same)->notAfter) {
      *same = &info;
    }
  }
  for (const CertificateInfo* info : shown) {
    out.sample("httpgate_certificate_not_after_seconds", {{"name", info->label()}},
               static_cast<int64_t>(info->notAfter));
  }
}

// OCSP fetches for stapling, and the certificates that have a staple now.
void ocsp(PrometheusText& out, const MetricsSources& sources) {
  out.family("httpgate_ocsp_fetches_total",
             "OCSP responses fetched for stapling, by what they said (failed: no response, or "
             "one that did not pass the checks).",
             "counter");
  static constexpr std::pair<OcspStapler::Outcome, const char*> kOutcomes[] = {
      {OcspStapler::Outcome::Good, "good"},
      {OcspStapler::Outcome::Revoked, "revoked"},
      {OcspStapler::Outcome::Unknown, "unknown"},
      {OcspStapler::Outcome::Failed, "failed"}};
  for (const auto& [outcome, label] : kOutcomes) {
    out.sample("httpgate_ocsp_fetches_total", {{"result", label}},
               sources.ocsp != nullptr ? sources.ocsp->count(outcome) : uint64_t{0});
  }
  out.family("httpgate_ocsp_stapled_until_seconds",
             "When the OCSP response stapled for a certificate expires (seconds since the epoch), "
             "by its first DNS name; absent while nothing is stapled.",
             "gauge");
  const std::shared_ptr<const CertificateList> list =
      sources.certificates != nullptr ? sources.certificates->current() : nullptr;
  if (!list) {
    return;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const CertificateInfo& info : *list) {
    if (info.ocsp) {
      if (const auto staple = info.ocsp->current(now)) {
        out.sample("httpgate_ocsp_stapled_until_seconds", {{"name", info.label()}},
                   staple->expires);
      }
    }
  }
}

// tls.acme: orders by outcome.
void acme(PrometheusText& out, const AcmeManager* manager) {
  out.family("httpgate_acme_orders_total",
             "ACME certificate orders (first certificates and renewals), by outcome.", "counter");
  out.sample("httpgate_acme_orders_total", {{"result", "ok"}},
             manager != nullptr ? manager->ordersOk() : uint64_t{0});
  out.sample("httpgate_acme_orders_total", {{"result", "failed"}},
             manager != nullptr ? manager->ordersFailed() : uint64_t{0});
}

void process(PrometheusText& out, const MetricsSources& sources) {
  const ProcessMetrics& p = *sources.process;
  out.family("httpgate_app_starts_total", "Apps started on demand and running.", "counter");
  out.sample("httpgate_app_starts_total", {}, p.appsStarted.get());
  out.family("httpgate_app_start_failures_total", "On-demand app starts that failed.", "counter");
  out.sample("httpgate_app_start_failures_total", {}, p.appStartFailures.get());
  out.family("httpgate_reloads_total", "Configuration reloads (SIGHUP), by outcome.", "counter");
  out.sample("httpgate_reloads_total", {{"result", "ok"}}, p.reloadsOk.get());
  out.sample("httpgate_reloads_total", {{"result", "failed"}}, p.reloadsFailed.get());
  out.family("httpgate_build_info", "Always 1; the labels name the build.", "gauge");
  out.sample("httpgate_build_info", {{"version", sources.version}}, uint64_t{1});
  out.family("httpgate_start_time_seconds", "When the gate started, in seconds since the epoch.",
             "gauge");
  out.sample("httpgate_start_time_seconds", {}, p.startTimeSeconds);
}

void loops(PrometheusText& out, const Workers& workers) {
  out.family("httpgate_workers", "Worker event-loop threads.", "gauge");
  out.sample("httpgate_workers", {}, static_cast<uint64_t>(workers.size()));
  out.family("httpgate_worker_loop_lag_seconds",
             "How late a worker's loop timer fired at most, over the last 10 to 20 seconds.",
             "gauge");
  for (size_t i = 0; i < workers.size(); ++i) {
    const WorkerMetrics& w = *workers[i];
    const int64_t lag = std::max(w.lagMaxNs.get(), w.lagPreviousMaxNs.get());
    out.sample("httpgate_worker_loop_lag_seconds", {{"worker", std::to_string(i)}},
               static_cast<double>(lag) / 1e9);
  }
}

}  // namespace

HandshakeCounts& HandshakeCounts::operator+=(const HandshakeCounts& other) {
  completed += other.completed;
  for (size_t i = 0; i < kHandshakeFailures; ++i) {
    failed[i] += other.failed[i];
  }
  return *this;
}

HandshakeCounts handshakesOn(const WorkerMetricsList& workers, size_t index) {
  HandshakeCounts sum;
  for (const auto& worker : workers) {
    if (index < worker->handshakes.size()) {
      const HandshakeCounters& counters = worker->handshakes[index];
      sum.completed += counters.completed.get();
      for (size_t i = 0; i < kHandshakeFailures; ++i) {
        sum.failed[i] += counters.failed[i].get();
      }
    }
  }
  return sum;
}

HandshakeCounts allHandshakes(const WorkerMetricsList& workers) {
  HandshakeCounts sum;
  const size_t listeners = workers.empty() ? 0 : workers.front()->handshakes.size();
  for (size_t index = 0; index < listeners; ++index) {
    sum += handshakesOn(workers, index);
  }
  return sum;
}

int64_t openConnections(const MetricsSources& sources, size_t index) {
  int64_t open = 0;
  for (const auto& worker : sources.workers) {
    if (index < worker->openConnections.size()) {
      open += worker->openConnections[index].get();
    }
  }
  return open;
}

std::string renderMetrics(const MetricsSources& sources) {
  PrometheusText out;
  connections(out, sources);
  requests(out, sources.workers);
  traffic(out, sources.workers);
  tls(out, sources.workers);
  proxyProtocol(out, sources.workers);
  protocols(out, sources.workers);
  backends(out, sources.workers);
  limits(out, sources.workers);
  hostHealth(out, sources.hosts);
  certificates(out, sources.certificates);
  ocsp(out, sources);
  acme(out, sources.acme);
  process(out, sources);
  loops(out, sources.workers);
  return out.text();
}

bool workersHealthy(const MetricsSources& sources, int64_t nowNs, std::string& problem) {
  for (size_t i = 0; i < sources.workers.size(); ++i) {
    const WorkerMetrics& w = *sources.workers[i];
    if (w.stopped.load(std::memory_order_relaxed)) {
      problem = "worker " + std::to_string(i) + " has stopped";
      return false;
    }
    const int64_t beat = w.heartbeatNs.get();
    if (beat == 0 || nowNs - beat > kHeartbeatLimitNs) {
      problem = "worker " + std::to_string(i) + " is not responding";
      return false;
    }
  }
  return true;
}

}  // namespace httpgate::gate
