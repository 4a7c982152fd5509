// listen: the sockets the gate accepts clients on, and their TLS settings.
#include "gate/config/config_sections.h"
#include "gate/config/config_values.h"

namespace httpgate::gate::detail {

namespace {

CertificateConfig parseCertificate(const ConfigValue& value) {
  const ConfigMap map = value.map({"cert", "key", "ocsp"});
  const ConfigValue& cert = map.require("cert");
  const ConfigValue& key = map.require("key");
  CertificateConfig result;
  result.certFile = cert.filePath();
  result.certPos = cert.pos();
  result.keyFile = key.filePath();
  result.keyPos = key.pos();
  // Only readability here; the TLS contexts parse the PEM and match the key,
  // reporting at the positions kept above.
  checkReadable(cert, result.certFile);
  checkReadable(key, result.keyFile);
  if (const ConfigValue* ocsp = map.find("ocsp")) {
    result.ocspPos = ocsp->pos();
    const std::string mode = ocsp->string();
    if (mode == "auto") {
      result.ocsp = OcspMode::Auto;
    } else if (mode == "off") {
      result.ocsp = OcspMode::Off;
    } else if (mode.empty()) {
      ocsp->fail("use auto, off or the path of a DER OCSP response");
    } else {
      result.ocsp = OcspMode::File;
      result.ocspFile = ocsp->filePath();
      checkReadable(*ocsp, result.ocspFile);
    }
  }
  return result;
}

void parseProtocols(const ConfigValue& value, TlsConfig& tls) {
  tls.protocolsPos = value.pos();
  tls.tls12 = false;
  tls.tls13 = false;
  const std::vector<ConfigValue> items = value.list();
  if (items.empty()) {
    value.fail("at least one protocol is required (TLSv1.2, TLSv1.3)");
  }
  for (const ConfigValue& item : items) {
    const std::string name = item.string();
    if (name == "TLSv1.2") {
      tls.tls12 = true;
    } else if (name == "TLSv1.3") {
      tls.tls13 = true;
    } else {
      item.fail("unknown protocol \"" + name + "\" (use TLSv1.2 or TLSv1.3)");
    }
  }
}

TlsConfig parseTls(const ConfigValue& value) {
  const ConfigMap map = value.map({"certificates", "protocols"});
  TlsConfig tls;
  tls.protocolsPos = value.pos();
  const ConfigValue& certificates = map.require("certificates");
  for (const ConfigValue& item : certificates.list()) {
    tls.certificates.push_back(parseCertificate(item));
  }
  if (tls.certificates.empty()) {
    certificates.fail("at least one certificate is required");
  }
  if (const ConfigValue* protocols = map.find("protocols")) {
    parseProtocols(*protocols, tls);
  }
  return tls;
}

// proxy_protocol: true needs proxy_from: without it anybody could claim
// any address. proxy_from alone is an error too: it would look like a
// restriction and do nothing.
void parseProxyProtocol(const ConfigMap& map, ListenConfig& listener) {
  const ConfigValue* on = map.find("proxy_protocol");
  const ConfigValue* from = map.find("proxy_from");
  if (on != nullptr) {
    listener.proxyProtocol = on->boolean();
  }
  if (from != nullptr) {
    listener.proxyFrom = parseCidrs(*from);
  }
  if (listener.proxyProtocol && listener.proxyFrom.empty()) {
    (from != nullptr ? *from : *on)
        .fail(
            "proxy_protocol needs proxy_from: the balancers' addresses (such as "
            "[10.0.0.2/32]); connections from anywhere else are refused");
  }
  if (!listener.proxyProtocol && from != nullptr && !listener.proxyFrom.empty()) {
    from->fail("only with proxy_protocol: true");
  }
}

}  // namespace

void parseListeners(const ConfigValue& value, std::vector<ListenConfig>& listeners) {
  for (const ConfigValue& item : value.list()) {
    const ConfigMap map = item.map({"address", "tls", "redirect_https", "http2", "proxy_protocol",
                                    "proxy_from", "max_connections"});
    const ConfigValue& address = map.require("address");
    ListenConfig listener;
    listener.address = address.string();
    listener.pos = address.pos();
    auto resolved = resolveAddress(listener.address);
    if (!resolved.ok()) {
      address.fail(std::move(resolved).error());
    }
    listener.socket = resolved.value();
    for (size_t i = 0; i < listeners.size(); ++i) {
      if (sameBindAddress(listeners[i].socket, listener.socket)) {
        address.fail("duplicate address \"" + listener.address + "\" (also listen[" +
                     std::to_string(i) + "])");
      }
    }
    if (const ConfigValue* tls = map.find("tls")) {
      listener.tls = parseTls(*tls);
    }
    if (const ConfigValue* redirect = map.find("redirect_https")) {
      listener.redirectHttps = redirect->boolean();
      if (listener.redirectHttps && listener.tls) {
        redirect->fail("only on a listener without tls");
      }
    }
    if (const ConfigValue* http2 = map.find("http2")) {
      listener.http2 = http2->boolean();
      // No cleartext HTTP/2 (h2c), with or without an upgrade to it.
      if (listener.http2 && !listener.tls) {
        http2->fail("only on a listener with tls (no cleartext HTTP/2)");
      }
    }
    parseProxyProtocol(map, listener);
    if (const ConfigValue* connections = map.find("max_connections")) {
      listener.maxConnections = static_cast<uint32_t>(connections->number(0, 1'000'000));
    }
    listeners.push_back(std::move(listener));
  }
  if (listeners.empty()) {
    value.fail("at least one listener is required");
  }
}

}  // namespace httpgate::gate::detail
