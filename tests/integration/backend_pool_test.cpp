// Backend connections: kept alive and reused across client connections,
// retried once on a fresh connection when a pooled one turns out closed, and
// port ranges of routes.hosts sent to another host.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

// One worker, so that every request of the test shares one backend pool.
std::string oneWorkerYaml(const CertificateFiles& cert, uint16_t defaultPort,
                          std::string_view routesLines = "") {
  std::string yaml = "listen:\n" + tlsListenerYaml({cert}) + plainListenerYaml();
  yaml += "workers: 1\nroutes:\n  default: " + std::to_string(defaultPort) + "\n";
  yaml += routesLines;
  return yaml;
}

class BackendPoolTest : public GateTest {};

TEST_F(BackendPoolTest, BackendConnectionIsReusedAcrossClientConnections) {
  Backend backend;
  ASSERT_NO_FATAL_FAILURE(startGate(oneWorkerYaml(cert_, backend.port())));
  for (int i = 0; i < 10; ++i) {
    Client client = Client::tls(tlsPort());
    ASSERT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest(pathTo(backend, "/n")));
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.status, 200);
  }
  EXPECT_EQ(backend.requestCount(), 10U);
  EXPECT_EQ(backend.connectionCount(), 1U);
}

TEST_F(BackendPoolTest, PooledConnectionClosedByTheBackendIsRetriedOnAFreshOne) {
  // The backend answers the first request of each connection and closes the
  // connection when a second one arrives on it, as a backend whose
  // keep-alive timeout expires at that moment does.
  Backend backend([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    static thread_local size_t requestsOnThisConnection = 0;
    if (++requestsOnThisConnection > 1) {
      reply.dieAfter = 0;
    }
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(startGate(oneWorkerYaml(cert_, backend.port())));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 3; ++i) {
    const HttpResponse response = client.exchange(getRequest(pathTo(backend, "/r")));
    ASSERT_TRUE(response.complete) << "request " << i << ": " << response.describe();
    EXPECT_EQ(response.status, 200) << "request " << i;
  }
  // Each retry needed one fresh connection.
  EXPECT_EQ(backend.connectionCount(), 3U);
}

TEST_F(BackendPoolTest, HostsRangeSendsItsPortsToAnotherHost) {
  BackendOptions elsewhere;
  elsewhere.host = "127.0.0.2";
  Backend remote(nullptr, elsewhere);
  Backend local;
  const std::string port = std::to_string(remote.port());
  ASSERT_NO_FATAL_FAILURE(startGate(oneWorkerYaml(
      cert_, local.port(),
      "  hosts:\n    - range: \"" + port + "-" + port + "\"\n      host: 127.0.0.2\n")));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();

  HttpResponse response = client.exchange(getRequest(pathTo(remote, "/far")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, Backend::defaultBody(remote.port(), "/far"));

  // A port outside the range still lives on routes.backend (127.0.0.1).
  response = client.exchange(getRequest(pathTo(local, "/near")));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, Backend::defaultBody(local.port(), "/near"));
  EXPECT_EQ(remote.requestCount(), 1U);
  EXPECT_EQ(local.requestCount(), 1U);
}

}  // namespace
}  // namespace httpgate::test
