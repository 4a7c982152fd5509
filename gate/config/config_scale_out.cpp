// The keys for several gates behind a balancer and sessions on other
// machines: listen[].proxy_from, headers.trusted_proxies,
// limits.per_client and routes.hosts[].tls (tls.ticket_keys is in
// config_ticket_keys.cpp).
#include <cmath>
#include <string>

#include "gate/config/config_sections.h"
#include "gate/config/config_values.h"

namespace httpgate::gate::detail {

net::CidrSet parseCidrs(const ConfigValue& value) {
  net::CidrSet set;
  for (const ConfigValue& item : value.list()) {
    std::string why;
    const auto block =
        net::Cidr::parse(item.scalar("expected an address block such as 10.0.0.0/8"), why);
    if (!block) {
      item.fail(why);
    }
    set.add(*block);
  }
  return set;
}

namespace {

// "50/s", "600/m", "10000/h": requests per second, at most a million.
double parseRate(const ConfigValue& value) {
  const char* expected = "expected a rate such as 50/s (per s, m or h)";
  const std::string text = value.scalar(expected);
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    value.fail(expected);
  }
  const auto count = parseNumber(std::string_view(text).substr(0, slash), 1'000'000'000);
  const std::string unit = text.substr(slash + 1);
  const double per = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (!count || per == 0) {
    value.fail(expected);
  }
  const double rate = static_cast<double>(*count) / per;
  if (rate > 1'000'000) {
    value.fail("must be at most 1000000/s");
  }
  return rate;
}

}  // namespace

void parsePerClient(const ConfigValue& value, PerClientLimits& limits) {
  const ConfigMap map = value.map({"connections", "requests", "exempt"});
  if (const ConfigValue* connections = map.find("connections")) {
    limits.connections = static_cast<uint32_t>(connections->number(0, 1'000'000));
  }
  if (const ConfigValue* requests = map.find("requests")) {
    const ConfigMap bucket = requests->map({"rate", "burst"});
    if (const ConfigValue* rate = bucket.find("rate")) {
      limits.requestRate = parseRate(*rate);
    }
    const ConfigValue* burst = bucket.find("burst");
    if (burst != nullptr) {
      limits.requestBurst = static_cast<uint32_t>(burst->number(0, 1'000'000));
    }
    if (limits.requestRate > 0 && limits.requestBurst == 0) {
      if (burst != nullptr) {
        burst->fail("must be at least 1 when a rate is set");
      }
      // A second's worth, as nginx's limit_req without burst is far too
      // strict for pages that load a few resources at once.
      limits.requestBurst = static_cast<uint32_t>(std::ceil(limits.requestRate));
    }
  }
  if (const ConfigValue* exempt = map.find("exempt")) {
    limits.exempt = parseCidrs(*exempt);
  }
}

HostTlsConfig parseHostTls(const ConfigValue& value) {
  const ConfigMap map = value.map({"ca", "server_name", "cert", "key"});
  HostTlsConfig tls;
  tls.pos = value.pos();
  const ConfigValue& ca = map.require("ca");
  tls.caFile = ca.filePath();
  checkReadable(ca, tls.caFile);
  const ConfigValue& name = map.require("server_name");
  tls.serverName = name.string();
  if (tls.serverName.empty() || tls.serverName.size() > 253 ||
      tls.serverName.find_first_of(" \t/:") != std::string::npos) {
    name.fail("expected the host name its certificate carries, such as sessions-a.internal");
  }
  const ConfigValue* cert = map.find("cert");
  const ConfigValue* key = map.find("key");
  if (cert != nullptr) {
    tls.certFile = cert->string().empty() ? "" : cert->filePath();
  }
  if (key != nullptr) {
    tls.keyFile = key->string().empty() ? "" : key->filePath();
  }
  if (tls.certFile.empty() != tls.keyFile.empty()) {
    // At the one that is missing or empty (or at tls: when key is absent).
    const ConfigValue* at = tls.certFile.empty() ? cert : key;
    (at != nullptr ? *at : value)
        .fail("cert and key go together (a client certificate for mutual TLS)");
  }
  if (!tls.certFile.empty()) {
    checkReadable(*cert, tls.certFile);
    checkReadable(*key, tls.keyFile);
  }
  return tls;
}

}  // namespace httpgate::gate::detail
