// Reading the gate's /metrics page (admin.listen) in tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/gate_process.h"

namespace httpgate::test {

// The value of the sample `series` (name and labels exactly as written) in
// a /metrics page, or nullopt when there is no such line.
std::optional<double> sampleValue(const std::string& page, const std::string& series);

// The admin port from the gate's "admin listening on" line; 0 when there is
// none within `timeout`.
uint16_t adminPortOf(const GateProcess& gate, Millis timeout = Millis{1000});

// GET /metrics on a new connection to the admin port: the body of a 200,
// else nullopt.
std::optional<std::string> scrapeMetrics(uint16_t adminPort);

// Scrapes until `series` has the value `expected` (the gate counts some
// events just after the client sees their effect) or `timeout` passes; the
// last value seen.
std::optional<double> waitForSample(uint16_t adminPort, const std::string& series, double expected,
                                    Millis timeout = Millis{5000});

// httpgate_backend_connect_failures_total{reason="REASON"}.
std::string connectFailures(const std::string& reason);

}  // namespace httpgate::test
