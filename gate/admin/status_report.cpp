#include "gate/admin/status_report.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

constexpr std::array<StatusClass, kStatusClasses> kClasses = {
    StatusClass::C1xx, StatusClass::C2xx, StatusClass::C3xx, StatusClass::C4xx, StatusClass::C5xx};

json gate(const StatusInputs& in) {
  const MetricsSources& m = *in.metrics;
  const int64_t started = m.process != nullptr ? m.process->startTimeSeconds : 0;
  json workers = json::array();
  for (size_t i = 0; i < m.workers.size(); ++i) {
    const WorkerMetrics& w = *m.workers[i];
    const int64_t lag = std::max(w.lagMaxNs.get(), w.lagPreviousMaxNs.get());
    const int64_t beat = w.heartbeatNs.get();
    workers.push_back({{"index", i},
                       {"loop_lag_ms", static_cast<double>(lag) / 1e6},
                       {"responding", !w.stopped.load(std::memory_order_relaxed) && beat != 0 &&
                                          in.nowNs - beat <= kHeartbeatLimitNs}});
  }
  json reload = nullptr;
  if (in.board.lastReload) {
    reload = {{"at", in.board.lastReload->atSeconds},
              {"ok", in.board.lastReload->ok},
              {"error", in.board.lastReload->error}};
  }
  return {{"version", m.version},
          {"pid", ::getpid()},
          {"started_at", started},
          {"uptime_seconds", std::max<int64_t>(0, in.nowSeconds - started)},
          {"config_file", in.board.config ? in.board.config->file : ""},
          {"config_loaded_at", in.board.configLoadedAtSeconds},
          {"reloads_ok", m.process != nullptr ? m.process->reloadsOk.get() : 0},
          {"reloads_failed", m.process != nullptr ? m.process->reloadsFailed.get() : 0},
          {"last_reload", reload},
          {"workers", workers}};
}

// {"total": n, "failures": {...}} of `counts`, and "last_minute" of
// `listener` (empty: all) from the history when there is one.
json handshakes(const HandshakeCounts& counts, const StatusInputs& in,
                std::optional<size_t> listener) {
  json out = {{"total", counts.completed}, {"failures", handshakeFailuresJson(counts)}};
  if (in.history != nullptr) {
    out["last_minute"] = in.history->lastMinute(listener);
  }
  return out;
}

json listeners(const StatusInputs& in) {
  const MetricsSources& m = *in.metrics;
  json all = json::array();
  for (size_t i = 0; i < m.listenerLabels.size(); ++i) {
    const ListenConfig* listen = nullptr;
    if (in.board.config && i < in.board.config->listeners.size()) {
      listen = &in.board.config->listeners[i];
    }
    const bool tls = listen != nullptr && listen->tls.has_value();
    json protocols = json::array();
    if (tls && listen->http2) {
      protocols.push_back("h2");
    }
    protocols.push_back("http/1.1");
    json entry = {{"address", m.listenerLabels[i]},
                  {"tls", tls},
                  {"protocols", protocols},
                  {"redirect_https", listen != nullptr && listen->redirectHttps},
                  {"open_connections", openConnections(m, i)},
                  {"tls_handshakes", nullptr}};
    if (tls) {
      entry["tls_handshakes"] = handshakes(handshakesOn(m.workers, i), in, i);
    }
    all.push_back(std::move(entry));
  }
  return all;
}

// The slowest requests of the last five to ten minutes over the workers.
json slowest(const WorkerMetricsList& workers, int64_t nowSeconds) {
  std::vector<SlowRequest> all;
  for (const auto& worker : workers) {
    const std::vector<SlowRequest> recent = worker->slowRequests.recent(nowSeconds);
    all.insert(all.end(), recent.begin(), recent.end());
  }
  keepSlowest(all, SlowRequests::kKept);
  json out = json::array();
  for (const SlowRequest& r : all) {
    out.push_back({{"started_at", r.startedAt},
                   {"method", r.method},
                   {"path", r.path},
                   {"path_truncated", r.pathTruncated},
                   {"status", r.status},
                   {"duration_ms", static_cast<double>(r.durationUs) / 1e3},
                   {"backend_port", r.backendPort}});
  }
  return out;
}

json traffic(const WorkerMetricsList& workers, int64_t nowSeconds) {
  json requests = json::object();
  for (StatusClass cls : kClasses) {
    uint64_t sum = 0;
    for (size_t route = 0; route < kRouteKinds; ++route) {
      sum += total(workers, [cls, route](const WorkerMetrics& w) -> const Counter& {
        return w.requests[static_cast<size_t>(cls)][route];
      });
    }
    requests[labelOf(cls)] = sum;
  }
  return {
      {"requests", requests},
      {"bytes_in",
       total(workers, [](const WorkerMetrics& w) -> const Counter& { return w.bytesReceived; })},
      {"bytes_out",
       total(workers, [](const WorkerMetrics& w) -> const Counter& { return w.bytesSent; })},
      {"slowest", slowest(workers, nowSeconds)}};
}

json backends(const StatusInputs& in) {
  const MetricsSources& m = *in.metrics;
  json failures = json::object();
  for (size_t r = 0; r < kConnectFailures; ++r) {
    failures[labelOf(static_cast<ConnectFailure>(r))] = total(
        m.workers, [r](const WorkerMetrics& w) -> const Counter& { return w.connectFailures[r]; });
  }
  json hosts = json::array();
  if (m.hosts != nullptr) {
    if (std::shared_ptr<const HostHealthSet> set = m.hosts->current()) {
      for (const auto& host : set->hosts()) {
        json lastFailure = nullptr;
        if (const std::optional<HostFailure> failure = host->lastFailure()) {
          lastFailure = {{"at", failure->atSeconds}, {"reason", failure->reason}};
        }
        hosts.push_back(
            {{"host", host->name()}, {"up", host->up()}, {"last_failure", lastFailure}});
      }
    }
  }
  json out = {{"connect_failures", failures}, {"hosts", hosts}};
  if (in.census != nullptr) {
    json ports = json::array();
    for (const BackendUse& use : in.census->uses) {
      ports.push_back({{"address", use.address()},
                       {"port", use.key.port},
                       {"tls", use.key.tls != 0},
                       {"active", use.active},
                       {"pooled", use.pooled}});
    }
    out["ports"] = std::move(ports);
    out["census"] = {{"workers", in.census->workers}, {"answered", in.census->answered}};
  }
  return out;
}

json apps(const StatusInputs& in) {
  json all = json::array();
  if (!in.board.config) {
    return all;
  }
  for (const AppConfig& app : in.board.config->routes.apps) {
    json entry = {{"name", app.name},
                  {"port", app.port},
                  {"redirect", app.redirect},
                  {"listening", app.port != 0 && in.listeningPorts.count(app.port) != 0},
                  {"start_command", app.start.has_value()},
                  {"log", app.start ? app.start->log : ""},
                  {"last_start", nullptr}};
    auto started = in.board.appStarts.find(app.name);
    if (started != in.board.appStarts.end()) {
      entry["last_start"] = {{"at", started->second.atSeconds},
                             {"ok", started->second.ok},
                             {"message", started->second.message}};
    }
    all.push_back(std::move(entry));
  }
  return all;
}

// null when nothing is stapled for the certificate (ocsp off, or no
// responder), else what its slot says.
json ocspReport(const CertificateInfo& info, int64_t now) {
  if (!info.ocsp) {
    return nullptr;
  }
  const OcspSlot::Report r = info.ocsp->report(now);
  return {{"mode", r.mode},
          {"status", r.status},
          {"stapled_until", r.stapledUntil != 0 ? json(r.stapledUntil) : json(nullptr)},
          {"last_error", r.lastError.empty() ? json(nullptr) : json(r.lastError)},
          {"last_error_at", r.lastErrorAt != 0 ? json(r.lastErrorAt) : json(nullptr)}};
}

json certificates(const StatusInputs& in) {
  json all = json::array();
  if (in.metrics->certificates == nullptr) {
    return all;
  }
  const std::shared_ptr<const CertificateList> list = in.metrics->certificates->current();
  if (!list) {
    return all;
  }
  for (const CertificateInfo& info : *list) {
    all.push_back({{"file", info.file},
                   {"names", info.names},
                   {"issuer", info.issuer},
                   {"not_after", static_cast<int64_t>(info.notAfter)},
                   {"not_after_date", isoDate(info.notAfter)},
                   {"days_left", daysLeft(info.notAfter, static_cast<time_t>(in.nowSeconds))},
                   {"ocsp", ocspReport(info, in.nowSeconds)}});
  }
  return all;
}

// tls.acme: each certificate the gate looks after.
json acme(const StatusInputs& in) {
  json all = json::array();
  if (in.metrics->acme == nullptr) {
    return all;
  }
  const auto optionalTime = [](int64_t at) { return at != 0 ? json(at) : json(nullptr); };
  for (const AcmeManager::Report& r : in.metrics->acme->report()) {
    all.push_back({{"names", r.names},
                   {"state", r.state},
                   {"not_after", optionalTime(r.notAfter)},
                   {"last_order_at", optionalTime(r.lastOrderAt)},
                   {"last_error", r.lastError.empty() ? json(nullptr) : json(r.lastError)},
                   {"next_check_at", optionalTime(r.nextCheckAt)}});
  }
  return all;
}

}  // namespace

json statusJson(const StatusInputs& inputs) {
  json document = {
      {"version", kStatusVersion},
      {"now", inputs.nowSeconds},
      {"gate", gate(inputs)},
      {"listeners", listeners(inputs)},
      {"tls_handshakes", handshakes(allHandshakes(inputs.metrics->workers), inputs, std::nullopt)},
      {"traffic", traffic(inputs.metrics->workers, inputs.nowSeconds)},
      {"backends", backends(inputs)},
      {"apps", apps(inputs)},
      {"certificates", certificates(inputs)},
      {"acme", acme(inputs)}};
  if (inputs.history != nullptr) {
    document["traffic"]["history"] = inputs.history->series();
  }
  return document;
}

std::string renderStatusJson(const StatusInputs& inputs) {
  return statusJson(inputs).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace httpgate::gate
