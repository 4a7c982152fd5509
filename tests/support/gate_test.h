// The fixture of the integration tests: a private directory, a certificate
// for "gate.test", and the gate started on a config the test writes. When a
// test fails, the gate's stderr is printed with it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "tests/support/backend.h"
#include "tests/support/certificates.h"
#include "tests/support/gate_process.h"
#include "tests/support/http_response.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the gate; a fatal failure (with its stderr) if it is not ready.
  // Use as ASSERT_NO_FATAL_FAILURE(startGate(yaml)).
  void startGate(std::string_view yaml);

  GateProcess& gate() { return *gate_; }
  uint16_t tlsPort() const { return gate_->port(0); }
  uint16_t plainPort() const { return gate_->port(1); }

  TempDir dir_;
  CertificateFiles cert_;
  std::unique_ptr<GateProcess> gate_;
};

// Whether `response` is one the gate made itself, per the contract:
// "HTTP/1.1 <status> <Reason>", then Server: httpgate, Content-Type:
// text/html; charset=utf-8, Content-Length matching the body, Location when
// `location` is given, and Connection: close exactly when `closes`.
::testing::AssertionResult isGateResponse(const HttpResponse& response, int status, bool closes,
                                          std::string_view location = "");

// "/<port of backend><rest>": the URL path that routes to `backend`.
std::string pathTo(const Backend& backend, std::string_view rest = "");

// The standard reason phrase of `status` (RFC 9110).
std::string_view reasonPhrase(int status);

}  // namespace httpgate::test
