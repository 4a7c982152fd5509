#include "tests/support/pebble.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>

#include "tests/support/files.h"
#include "tests/support/sockets.h"

namespace httpgate::test {

Pebble::Pebble(const TempDir& dir, PebbleOptions options)
    : ca_(makeCertificateAuthority(dir, "pebble-ca", "pebble test CA")) {
  const CertificateFiles https = makeSignedCertificate(dir, "pebble-https", {"localhost"}, ca_);
  port_ = freePortOutsideEphemeralRange();
  const uint16_t management = freePortOutsideEphemeralRange();
  const uint16_t dnsPort = freePortOutsideEphemeralRange();
  const uint16_t dnsManagement = freePortOutsideEphemeralRange();
  nlohmann::json config = {{"pebble",
                            {{"listenAddress", "127.0.0.1:" + std::to_string(port_)},
                             {"managementListenAddress", "127.0.0.1:" + std::to_string(management)},
                             {"certificate", https.certPath},
                             {"privateKey", https.keyPath},
                             {"httpPort", options.httpPort},
                             {"tlsPort", options.tlsPort},
                             {"ocspResponderURL", ""},
                             {"externalAccountBindingRequired", false}}}};
  if (options.validitySeconds > 0) {
    config["pebble"]["certificateValidityPeriod"] = options.validitySeconds;
  }
  const std::string configPath = dir.file("pebble.json");
  writeFile(configPath, config.dump(2));

  dns_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/bin/pebble-challtestsrv", "-dns01", "127.0.0.1:" + std::to_string(dnsPort),
      "-management", "127.0.0.1:" + std::to_string(dnsManagement), "-http01", "", "-https01", "",
      "-tlsalpn01", "", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""});
  SpawnOptions spawn;
  spawn.env = {"PEBBLE_VA_NOSLEEP=1", "PEBBLE_AUTHZREUSE=0",
               "PEBBLE_WFE_NONCEREJECT=" + std::to_string(options.nonceRejectPercent)};
  pebble_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/pebble", "-config", configPath, "-dnsserver",
                               "127.0.0.1:" + std::to_string(dnsPort), "-strict"},
      spawn);
  if (!pebble_->out().waitForLine(std::regex("ACME directory available at"), Millis{20000})) {
    throw std::runtime_error("pebble did not start: " + log());
  }
}

Pebble::~Pebble() = default;

std::string Pebble::directoryUrl() const {
  return "https://localhost:" + std::to_string(port_) + "/dir";
}

size_t Pebble::issued() const {
  size_t count = 0;
  for (const std::string& line : pebble_->out().lines()) {
    if (line.find("Issued certificate serial") != std::string::npos) {
      ++count;
    }
  }
  return count;
}

std::string Pebble::log() const {
  return (pebble_ ? pebble_->out().text() + pebble_->err().text() : std::string()) +
         (dns_ ? "\n-- challtestsrv --\n" + dns_->out().text() + dns_->err().text()
               : std::string());
}

}  // namespace httpgate::test
