#include "tests/support/metrics_page.h"

#include <regex>
#include <thread>

#include "tests/support/client.h"

namespace httpgate::test {

std::optional<double> sampleValue(const std::string& page, const std::string& series) {
  const std::string prefix = series + " ";
  size_t at = 0;
  while (at < page.size()) {
    size_t end = page.find('\n', at);
    if (end == std::string::npos) {
      end = page.size();
    }
    if (page.compare(at, prefix.size(), prefix) == 0) {
      return std::stod(page.substr(at + prefix.size(), end - at - prefix.size()));
    }
    at = end + 1;
  }
  return std::nullopt;
}

uint16_t adminPortOf(const GateProcess& gate, Millis timeout) {
  static const std::regex kAdminListening(R"(admin listening on 127\.0\.0\.1:([0-9]+) )");
  const auto match = gate.waitForLog(kAdminListening, timeout);
  return match ? static_cast<uint16_t>(std::stoi((*match)[1])) : 0;
}

std::optional<std::string> scrapeMetrics(uint16_t adminPort) {
  Client client = Client::plain(adminPort);
  if (!client.connected()) {
    return std::nullopt;
  }
  const HttpResponse response = client.exchange(getRequest("/metrics"));
  if (!response.complete || response.status != 200) {
    return std::nullopt;
  }
  return response.body;
}

std::optional<double> waitForSample(uint16_t adminPort, const std::string& series, double expected,
                                    Millis timeout) {
  const Deadline deadline(timeout);
  std::optional<double> value;
  do {
    const std::optional<std::string> page = scrapeMetrics(adminPort);
    value = page ? sampleValue(*page, series) : std::nullopt;
    if (value == expected) {
      break;
    }
    std::this_thread::sleep_for(Millis{50});
  } while (!deadline.expired());
  return value;
}

std::string connectFailures(const std::string& reason) {
  return "httpgate_backend_connect_failures_total{reason=\"" + reason + "\"}";
}

}  // namespace httpgate::test
