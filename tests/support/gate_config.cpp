#include "tests/support/gate_config.h"

namespace httpgate::test {

std::string tlsListenerYaml(const std::vector<CertificateFiles>& certs, std::string_view address,
                            std::string_view extraTlsLines) {
  std::string yaml = "  - address: \"" + std::string(address) + "\"\n";
  yaml += "    tls:\n      certificates:\n";
  for (const CertificateFiles& cert : certs) {
    yaml += "        - cert: \"" + cert.certPath + "\"\n";
    yaml += "          key: \"" + cert.keyPath + "\"\n";
  }
  yaml += extraTlsLines;
  return yaml;
}

std::string plainListenerYaml(std::string_view address, bool redirectHttps) {
  std::string yaml = "  - address: \"" + std::string(address) + "\"\n";
  if (redirectHttps) {
    yaml += "    redirect_https: true\n";
  }
  return yaml;
}

std::string standardGateYaml(const CertificateFiles& cert, uint16_t defaultPort,
                             std::string_view routesLines, std::string_view topLevel) {
  std::string yaml = "listen:\n";
  yaml += tlsListenerYaml({cert});
  yaml += plainListenerYaml();
  yaml += "workers: 2\n";
  yaml += "routes:\n  default: " + std::to_string(defaultPort) + "\n";
  yaml += routesLines;
  yaml += topLevel;
  return yaml;
}

std::string fillIn(std::string text,
                   const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    const std::string token = "{" + name + "}";
    for (size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

}  // namespace httpgate::test
