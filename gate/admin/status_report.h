// The status page's facts as one JSON document (/status.json, schema in
// httpgate.yaml(5), ADMIN ENDPOINT): the gate, its listeners, traffic,
// backends, apps. Built on the admin thread from what the metrics page
// reads (the workers' counters, relaxed loads) and the status board
// (statusBoard(): configuration, reloads, app starts), only when asked.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "gate/admin/census_gathering.h"
#include "gate/admin/metrics_report.h"
#include "gate/admin/traffic_history.h"
#include "gate/telemetry/status_board.h"

namespace httpgate::gate {

// The schema's version: bumped when a field changes meaning or goes away
// (new fields do not bump it).
constexpr int kStatusVersion = 1;

struct StatusInputs {
  const MetricsSources* metrics = nullptr;
  StatusBoard::View board;
  std::set<uint16_t> listeningPorts;        // listeningTcpPorts()
  int64_t nowSeconds = 0;                   // Unix time
  int64_t nowNs = 0;                        // CLOCK_MONOTONIC, for the workers' heartbeats
  const TrafficHistory* history = nullptr;  // null: no "history", no "last_minute"
  const BackendCensus* census = nullptr;    // null: no "ports"
};

nlohmann::json statusJson(const StatusInputs& inputs);
// The document as sent: compact, every string that is not UTF-8 (a path or
// an error text can hold any byte) with U+FFFD for its bad bytes instead
// of an exception.
std::string renderStatusJson(const StatusInputs& inputs);

}  // namespace httpgate::gate
