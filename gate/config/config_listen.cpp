// listen: the sockets the gate accepts clients on, and their TLS settings.
#include <algorithm>

#include "common/http/chars.h"
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

// A DNS name a public CA can issue for: letters, digits and hyphens in
// labels of 1 to 63, at least two labels, 253 bytes at most; a wildcard
// needs dns-01, which the gate does not answer.
bool validAcmeName(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.find('.') == std::string::npos) {
    return false;
  }
  size_t label = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    const char c = i < name.size() ? name[i] : '.';
    if (c == '.') {
      if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-') {
        return false;
      }
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

AcmeConfig parseAcme(const ConfigValue& value) {
  const ConfigMap map =
      value.map({"directory", "email", "names", "storage", "renew_before", "challenge", "ca"});
  AcmeConfig acme;
  acme.pos = value.pos();
  const ConfigValue& directory = map.require("directory");
  acme.directory = directory.string();
  if (acme.directory.rfind("https://", 0) != 0) {
    directory.fail("expected an https:// URL (the ACME server's directory)");
  }
  if (const ConfigValue* email = map.find("email")) {
    acme.email = email->string();
    const size_t at = acme.email.find('@');
    if (at == 0 || at == std::string::npos || at + 1 == acme.email.size() ||
        acme.email.find_first_of(" ,<>\"") != std::string::npos) {
      email->fail("expected an e-mail address such as admin@example.org");
    }
  }
  const ConfigValue& names = map.require("names");
  for (const ConfigValue& item : names.list()) {
    std::string name = http::asciiLower(item.string());
    if (!validAcmeName(name)) {
      item.fail("\"" + name + "\" is not a DNS name a certificate can be ordered for");
    }
    if (std::find(acme.names.begin(), acme.names.end(), name) != acme.names.end()) {
      item.fail("\"" + name + "\" is listed twice");
    }
    acme.names.push_back(std::move(name));
  }
  if (acme.names.empty()) {
    names.fail("at least one name is required");
  }
  if (acme.names.size() > 100) {
    names.fail("at most 100 names (what ACME servers allow in one certificate)");
  }
  if (const ConfigValue* storage = map.find("storage")) {
    acme.storage = storage->filePath();
  }
  if (const ConfigValue* renew = map.find("renew_before")) {
    acme.renewBefore = renew->positiveDuration();
  }
  if (const ConfigValue* challenge = map.find("challenge")) {
    const std::string kind = challenge->string();
    if (kind == "auto") {
      acme.challenge = AcmeChallenge::Auto;
    } else if (kind == "http-01") {
      acme.challenge = AcmeChallenge::Http01;
    } else if (kind == "tls-alpn-01") {
      acme.challenge = AcmeChallenge::TlsAlpn01;
    } else {
      challenge->fail("use auto, http-01 or tls-alpn-01");
    }
  }
  if (const ConfigValue* ca = map.find("ca")) {
    acme.caFile = ca->filePath();
    checkReadable(*ca, acme.caFile);
  }
  return acme;
}

TlsConfig parseTls(const ConfigValue& value) {
  const ConfigMap map = value.map({"certificates", "protocols", "acme"});
  TlsConfig tls;
  tls.protocolsPos = value.pos();
  if (const ConfigValue* acme = map.find("acme")) {
    tls.acme = parseAcme(*acme);
  }
  const ConfigValue* certificates = map.find("certificates");
  if (certificates == nullptr && !tls.acme) {
    map.require("certificates");
  }
  if (certificates != nullptr) {
    for (const ConfigValue& item : certificates->list()) {
      tls.certificates.push_back(parseCertificate(item));
    }
    if (tls.certificates.empty() && !tls.acme) {
      certificates->fail("at least one certificate is required");
    }
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
