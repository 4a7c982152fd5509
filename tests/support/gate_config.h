// YAML pieces for the tests' gate configurations. Tests hand whole YAML
// texts to GateProcess; these only spare them repeating listener blocks.
// Every listener is on loopback port 0, so tests can run in parallel.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/certificates.h"

namespace httpgate::test {

// One `listen:` entry with TLS and `certs` (the first is the default);
// `extraTlsLines` go under `tls:` (indented by 6, e.g. "protocols: [...]").
std::string tlsListenerYaml(const std::vector<CertificateFiles>& certs,
                            std::string_view address = "127.0.0.1:0",
                            std::string_view extraTlsLines = "");

// One plain `listen:` entry, redirecting to https when `redirectHttps`.
std::string plainListenerYaml(std::string_view address = "127.0.0.1:0", bool redirectHttps = false);

// A gate with a TLS listener (listener 0) and a plain one (listener 1),
// two workers, routes.default = `defaultPort` plus `routesLines` (each
// indented by 2), and `topLevel` appended as more top-level keys.
std::string standardGateYaml(const CertificateFiles& cert, uint16_t defaultPort,
                             std::string_view routesLines = "", std::string_view topLevel = "");

// `text` with every "{name}" replaced by its value, so that configs can be
// written as readable raw strings.
std::string fillIn(std::string text,
                   const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace httpgate::test
