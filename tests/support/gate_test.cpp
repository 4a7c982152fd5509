#include "tests/support/gate_test.h"

#include <vector>

#include "tests/support/bytes.h"

namespace httpgate::test {

void GateTest::SetUp() {
  cert_ = makeCertificate(dir_, "gate", {"gate.test"});
}

void GateTest::TearDown() {
  if (HasFailure() && gate_) {
    std::cerr << "---- httpgate stderr ----\n" << gate_->log() << "---- end ----\n";
  }
}

void GateTest::startGate(std::string_view yaml) {
  gate_ = std::make_unique<GateProcess>(dir_, yaml);
  ASSERT_TRUE(gate_->ready()) << gate_->startError() << "\nconfig:\n" << yaml;
}

std::string pathTo(const Backend& backend, std::string_view rest) {
  return "/" + std::to_string(backend.port()) + std::string(rest);
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 302:
      return "Found";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

::testing::AssertionResult isGateResponse(const HttpResponse& response, int status, bool closes,
                                          std::string_view location) {
  if (!response.complete) {
    return ::testing::AssertionFailure() << response.describe();
  }
  std::vector<std::pair<std::string, std::string>> expected = {
      {"Server", "httpgate"},
      {"Content-Type", "text/html; charset=utf-8"},
      {"Content-Length", std::to_string(response.body.size())},
  };
  if (!location.empty()) {
    expected.emplace_back("Location", std::string(location));
  }
  if (closes) {
    expected.emplace_back("Connection", "close");
  }
  const std::string statusLine =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reasonPhrase(status)) + "\r\n";
  std::string expectedHead = statusLine;
  for (const auto& [name, value] : expected) {
    expectedHead += name + ": " + value + "\r\n";
  }
  expectedHead += "\r\n";
  if (response.head != expectedHead) {
    return ::testing::AssertionFailure()
           << "expected the gate's own " << status << " response head:\n"
           << printable(expectedHead) << "\ngot:\n"
           << printable(response.head);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace httpgate::test
