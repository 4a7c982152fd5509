#include "gate/proxy/runtime.h"

#include <algorithm>
#include <string>

namespace httpgate::gate {
namespace {

// Builds the client TLS contexts of config.routes.hosts into `out`; returns
// the first error, or "" when all loaded.
std::string buildHostTls(const Config& config,
                         std::vector<std::shared_ptr<const BackendTlsContext>>& out) {
  const std::vector<HostRange>& hosts = config.routes.hosts;
  out.resize(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) {
    const BackendHost& host = hosts[i].host;
    if (!host.tls) {
      continue;
    }
    const uint32_t id = BackendTlsContext::idOf(*host.tls, host.name);
    for (size_t j = 0; j < i && !out[i]; ++j) {
      if (out[j] && out[j]->id() == id) {
        out[i] = out[j];
      }
    }
    if (out[i]) {
      continue;
    }
    auto made = BackendTlsContext::create(*host.tls, host.name, config.file,
                                          "routes.hosts[" + std::to_string(i) + "].tls");
    if (!made.ok()) {
      return std::move(made).error();
    }
    out[i] = std::move(made).value();
  }
  return {};
}

// The certificates of `runtime`'s listeners and hosts, each file once.
std::shared_ptr<const CertificateList> collectCertificates(const Runtime& runtime) {
  auto list = std::make_shared<CertificateList>();
  auto add = [&](const CertificateInfo& info) {
    for (const CertificateInfo& known : *list) {
      if (known.file == info.file) {
        return;
      }
    }
    list->push_back(info);
  };
  for (const auto& set : runtime.tls) {
    if (set) {
      for (const CertificateInfo& info : set->certificates()) {
        add(info);
      }
    }
  }
  for (const auto& host : runtime.hostTls) {
    if (host && host->clientCertificate()) {
      add(*host->clientCertificate());
    }
  }
  return list;
}

}  // namespace

const BackendTlsContext* Runtime::hostTlsFor(const BackendHost* host) const {
  const std::vector<HostRange>& hosts = config->routes.hosts;
  for (size_t i = 0; i < hosts.size() && i < hostTls.size(); ++i) {
    if (&hosts[i].host == host) {
      return hostTls[i].get();
    }
  }
  return nullptr;
}

Result<std::shared_ptr<const Runtime>> buildRuntime(std::shared_ptr<const Config> config,
                                                    const std::vector<uint16_t>& ports,
                                                    uint64_t generation,
                                                    const HostHealthRegistry* hosts,
                                                    OcspStapler* stapler) {
  auto runtime = std::make_shared<Runtime>();
  runtime->generation = generation;
  runtime->ports = ports;
  // One key source for every TLS listener of the snapshot: the file's keys
  // as read by this load, or the process's own.
  const std::shared_ptr<TicketKeySource> ticketKeys = ticketKeysFor(config->tls);
  for (size_t i = 0; i < config->listeners.size(); ++i) {
    const ListenConfig& listener = config->listeners[i];
    if (!listener.tls) {
      runtime->tls.emplace_back();
      continue;
    }
    auto made =
        TlsContextSet::create(*listener.tls, listener.http2, ticketKeys, config->file, i, stapler);
    if (!made.ok()) {
      return Result<std::shared_ptr<const Runtime>>::fail(std::move(made).error());
    }
    runtime->tls.push_back(std::move(made).value());
    if (runtime->httpsPort == 0 && i < ports.size()) {
      runtime->httpsPort = ports[i];
    }
  }
  if (std::string error = buildHostTls(*config, runtime->hostTls); !error.empty()) {
    return Result<std::shared_ptr<const Runtime>>::fail(std::move(error));
  }
  runtime->certificates = collectCertificates(*runtime);
  auto log = AccessLog::open(config->log);
  if (!log.ok()) {
    return Result<std::shared_ptr<const Runtime>>::fail(config->file + ": " + log.error());
  }
  runtime->accessLog = std::move(log).value();
  runtime->headLimits.maxHeadBytes = config->limits.maxRequestHeader;
  runtime->headLimits.maxRequestLine =
      std::min<size_t>(runtime->headLimits.maxRequestLine, config->limits.maxRequestHeader);
  // A response head may fill the backend's input buffer (see Worker), which
  // is never smaller than 16 KiB: large Set-Cookie or CSP fields still pass.
  runtime->responseLimits.maxHeadBytes =
      std::max<size_t>(16 * 1024, config->limits.maxRequestHeader);
  runtime->responseLimits.maxRequestLine = runtime->responseLimits.maxHeadBytes;
  runtime->responseLimits.maxFields = 256;
  if (hosts != nullptr) {
    runtime->hostHealth = hosts->prepare(*config);
  }
  runtime->config = std::move(config);
  return Result<std::shared_ptr<const Runtime>>::success(
      std::shared_ptr<const Runtime>(std::move(runtime)));
}

}  // namespace httpgate::gate
