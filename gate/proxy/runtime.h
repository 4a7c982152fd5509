// A configuration snapshot with everything built from it: TLS contexts per
// listener and the access log. Built completely (or not at all) on the main
// thread, then published read-only to the workers. Each request takes its
// worker's newest snapshot when its head begins and keeps it to its end, so
// a reload never changes the rules under a request in flight, and a
// keep-alive connection follows the new routes from its next request; a TLS
// session keeps the context it was negotiated with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/http/head_parser.h"
#include "common/result.h"
#include "gate/config/config.h"
#include "gate/proxy/host_health.h"
#include "gate/telemetry/logging.h"
#include "gate/tls/backend_tls.h"
#include "gate/tls/certificate_info.h"
#include "gate/tls/tls_context.h"

namespace httpgate::gate {

struct Runtime {
  std::shared_ptr<const Config> config;
  std::vector<std::shared_ptr<TlsContextSet>> tls;  // per listener; null for plain ones
  std::shared_ptr<AccessLog> accessLog;             // null when off
  std::vector<uint16_t> ports;                      // bound port per listener
  uint16_t httpsPort = 0;                           // first TLS listener's port, 0 if none
  http::HeadLimits headLimits;      // for client requests (limits.max_request_header)
  http::HeadLimits responseLimits;  // for backend responses: the whole input buffer
  uint64_t generation = 0;
  // The health of routes.hosts (host_health.h); null when built without a
  // registry (the -t check), which leaves every host unchecked.
  std::shared_ptr<const HostHealthSet> hostHealth;
  // The client TLS context of each routes.hosts entry, by index; null for
  // hosts reached in plain TCP. Entries with the same host and settings
  // share one (and so its TLS session).
  std::vector<std::shared_ptr<const BackendTlsContext>> hostTls;
  // Every certificate this snapshot presents (certificate_info.h): the
  // listeners' in configuration order, then the hosts' client
  // certificates; a file named twice is listed once. Never null.
  std::shared_ptr<const CertificateList> certificates;

  // The TLS context for `host` (a pointer into config's routes), or null
  // when the gate talks plain TCP to it. Only asked for hosts with tls.
  const BackendTlsContext* hostTlsFor(const BackendHost* host) const;
};

// Builds a snapshot for `config` whose listeners are bound to `ports`, with
// host health states from `hosts` when given (the caller publishes them
// once it uses the snapshot), and OCSP slots from `stapler` when given.
// Returns the error text (file:line:col: key: message) when a certificate
// (a listener's, or a CA, certificate or key of routes.hosts[].tls) or the
// access log cannot be loaded.
Result<std::shared_ptr<const Runtime>> buildRuntime(std::shared_ptr<const Config> config,
                                                    const std::vector<uint16_t>& ports,
                                                    uint64_t generation,
                                                    const HostHealthRegistry* hosts = nullptr,
                                                    OcspStapler* stapler = nullptr);

}  // namespace httpgate::gate
