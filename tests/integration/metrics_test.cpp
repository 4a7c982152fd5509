// The admin endpoint (admin.listen) on the real binary: /metrics counters
// after a known sequence of requests, handshakes, backend failures and
// reloads; /healthz; the answers to wrong paths, methods and bytes; and the
// refusal of a non-loopback admin address.
#include <gtest/gtest.h>
#include <signal.h>

#include <optional>
#include <regex>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

class MetricsTest : public GateTest {
 protected:
  void start(std::string_view topLevel = "") {
    ASSERT_NO_FATAL_FAILURE(startGate(yaml(topLevel)));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0) << "no \"admin listening on\" line";
  }

  std::string yaml(std::string_view topLevel) const {
    return standardGateYaml(
        cert_, backend_.port(), "",
        "log:\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n" + std::string(topLevel));
  }

  // One request on a new admin connection.
  HttpResponse admin(std::string_view request) {
    Client client = Client::plain(adminPort_);
    EXPECT_TRUE(client.connected()) << client.error();
    return client.exchange(request);
  }

  std::string scrape() {
    const HttpResponse response = admin(getRequest("/metrics"));
    EXPECT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(response.field("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return response.body;
  }

  // Scrapes until `series` has `expected` (the gate counts some events just
  // after the client sees their effect), for up to 5 s, and then asserts on
  // the last value.
  void expectSample(const std::string& series, double expected) {
    const std::optional<double> value = waitForSample(adminPort_, series, expected);
    ASSERT_TRUE(value) << "no sample " << series << " in:\n" << scrape();
    EXPECT_EQ(*value, expected) << series;
  }

  double sample(const std::string& series) {
    const auto value = sampleValue(scrape(), series);
    EXPECT_TRUE(value) << "no sample " << series;
    return value.value_or(-1);
  }

  static std::string requests(std::string_view code, std::string_view route) {
    return "httpgate_requests_total{code=\"" + std::string(code) + "\",route=\"" +
           std::string(route) + "\"}";
  }

  std::string openConnections(uint16_t port) const {
    return "httpgate_open_connections{listener=\"127.0.0.1:" + std::to_string(port) + "\"}";
  }

  Backend backend_;
  uint16_t adminPort_ = 0;
};

TEST_F(MetricsTest, CountersFollowAKnownSequence) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string page = scrape();
  EXPECT_NE(page.find("# TYPE httpgate_requests_total counter\n"), std::string::npos) << page;
  EXPECT_NE(page.find("httpgate_build_info{version=\""), std::string::npos) << page;
  EXPECT_EQ(sampleValue(page, "httpgate_workers"), 2);
  EXPECT_GT(sampleValue(page, "httpgate_start_time_seconds").value_or(0), 1.6e9);
  EXPECT_TRUE(sampleValue(page, "httpgate_worker_loop_lag_seconds{worker=\"1\"}")) << page;

  // N requests answered 200 by a backend through the TLS listener.
  constexpr int kN = 5;
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < kN; ++i) {
    const HttpResponse response = client.exchange(getRequest(pathTo(backend_, "/ok")));
    ASSERT_EQ(response.status, 200) << response.describe();
  }
  ASSERT_EQ(client.exchange(getRequest("/default")).status, 200);
  // A port outside routes.ports.allow: 403 made by the gate.
  ASSERT_EQ(client.exchange(getRequest("/80/x")).status, 403);
  // A backend port that refuses: 502.
  ASSERT_EQ(client.exchange(getRequest("/" + std::to_string(refusingPort()) + "/x")).status, 502);
  // Plain HTTP on the TLS port: a failed handshake.
  Client notTls = Client::plain(tlsPort());
  ASSERT_TRUE(notTls.connected()) << notTls.error();
  notTls.send(getRequest("/"));
  EXPECT_TRUE(notTls.waitClosed());

  expectSample(requests("2xx", "port"), kN);
  expectSample(requests("2xx", "default"), 1);
  expectSample(requests("4xx", "local"), 1);
  expectSample(requests("5xx", "port"), 1);
  expectSample(requests("2xx", "app"), 0);
  expectSample(requests("3xx", "redirect"), 0);
  expectSample("httpgate_backend_connect_failures_total{reason=\"refused\"}", 1);
  expectSample("httpgate_backend_connect_failures_total{reason=\"timeout\"}", 0);
  expectSample("httpgate_tls_handshakes_total", 1);
  expectSample("httpgate_tls_handshake_failures_total{reason=\"protocol\"}", 1);
  expectSample("httpgate_tls_handshake_failures_total{reason=\"timeout\"}", 0);

  // The bytes counters grow with traffic.
  const double received = sample("httpgate_received_bytes_total");
  const double sent = sample("httpgate_sent_bytes_total");
  EXPECT_GT(received, 0);
  EXPECT_GT(sent, 0);
  ASSERT_EQ(client.exchange(getRequest(pathTo(backend_, "/more"))).status, 200);
  expectSample(requests("2xx", "port"), kN + 1);
  EXPECT_GT(sample("httpgate_received_bytes_total"), received);
  EXPECT_GT(sample("httpgate_sent_bytes_total"), sent);
}

TEST_F(MetricsTest, ConnectTimeoutsAndRefusalsAreCountedApart) {
  Blackhole blackhole;
  if (!blackhole.works()) {
    GTEST_SKIP() << "cannot make a loopback connect hang here (" << blackhole.why() << ")";
  }
  ASSERT_NO_FATAL_FAILURE(start("timeouts:\n  connect: 300ms\n"));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_EQ(client.exchange(getRequest("/" + std::to_string(blackhole.port()) + "/x")).status, 504);
  expectSample(connectFailures("timeout"), 1);
  expectSample(connectFailures("refused"), 0);
  expectSample(connectFailures("error"), 0);
  ASSERT_EQ(client.exchange(getRequest("/" + std::to_string(refusingPort()) + "/x")).status, 502);
  ASSERT_EQ(client.exchange(getRequest("/" + std::to_string(refusingPort()) + "/y")).status, 502);
  expectSample(connectFailures("refused"), 2);
  expectSample(connectFailures("timeout"), 1);
  expectSample(connectFailures("error"), 0);
  expectSample(requests("5xx", "port"), 3);
}

TEST_F(MetricsTest, OpenConnectionsByListener) {
  ASSERT_NO_FATAL_FAILURE(start());
  constexpr int kHeld = 3;
  std::vector<Client> held;
  for (int i = 0; i < kHeld; ++i) {
    held.push_back(Client::tls(tlsPort()));
    ASSERT_TRUE(held.back().connected()) << held.back().error();
    ASSERT_EQ(held.back().exchange(getRequest(pathTo(backend_, "/hold"))).status, 200);
  }
  Client plain = Client::plain(plainPort());
  ASSERT_TRUE(plain.connected()) << plain.error();
  ASSERT_EQ(plain.exchange(getRequest(pathTo(backend_, "/hold"))).status, 200);

  expectSample(openConnections(tlsPort()), kHeld);
  expectSample(openConnections(plainPort()), 1);
  expectSample("httpgate_tls_handshakes_total", kHeld);
  held.clear();
  expectSample(openConnections(tlsPort()), 0);
  expectSample(openConnections(plainPort()), 1);
}

// A client that opens a TCP connection to a TLS listener and says nothing:
// closed after timeouts.handshake and counted as a handshake timeout.
TEST_F(MetricsTest, SilentTlsClientIsClosedAfterTheHandshakeTimeout) {
  ASSERT_NO_FATAL_FAILURE(start("timeouts:\n  handshake: 1s\n"));
  Client silent = Client::plain(tlsPort());
  ASSERT_TRUE(silent.connected()) << silent.error();
  EXPECT_TRUE(silent.waitClosed(Millis{4000})) << "still open after timeouts.handshake";
  expectSample("httpgate_tls_handshake_failures_total{reason=\"timeout\"}", 1);
  expectSample("httpgate_tls_handshakes_total", 0);
  expectSample(openConnections(tlsPort()), 0);
}

TEST_F(MetricsTest, ReloadsOkAndFailed) {
  ASSERT_NO_FATAL_FAILURE(start());
  size_t from = gate().logSize();
  gate().rewriteConfig(yaml(""));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}, from));
  from = gate().logSize();
  gate().rewriteConfig("listen: [\n");
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("reload failed"), Millis{5000}, from));
  expectSample("httpgate_reloads_total{result=\"ok\"}", 1);
  expectSample("httpgate_reloads_total{result=\"failed\"}", 1);
  // The admin address cannot move on reload: refused, the old one stays.
  from = gate().logSize();
  gate().rewriteConfig(
      standardGateYaml(cert_, backend_.port(), "", "admin:\n  listen: 127.0.0.1:1\n"));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(
      std::regex("reload failed.*admin\\.listen: cannot change on reload; restart the gate"),
      Millis{5000}, from));
  expectSample("httpgate_reloads_total{result=\"failed\"}", 2);
}

TEST_F(MetricsTest, HealthzAndWrongRequests) {
  ASSERT_NO_FATAL_FAILURE(start());
  const HttpResponse health = admin(getRequest("/healthz"));
  EXPECT_EQ(health.status, 200) << health.describe();
  EXPECT_EQ(health.body, "ok\n");

  const HttpResponse unknown = admin(getRequest("/other"));
  EXPECT_EQ(unknown.status, 404) << unknown.describe();
  const HttpResponse post = admin(postRequest("/metrics", "x=1"));
  EXPECT_EQ(post.status, 405) << post.describe();
  EXPECT_EQ(post.field("Allow"), "GET, HEAD");
  const HttpResponse malformed = admin("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n");
  EXPECT_EQ(malformed.status, 400) << malformed.describe();
  const HttpResponse garbage = admin("\x16\x03\x01 not http\r\n\r\n");
  EXPECT_EQ(garbage.status, 400) << garbage.describe();

  // The admin endpoint's own requests are not in the request counters.
  const std::string page = scrape();
  for (const char* code : {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
    for (const char* route : {"port", "app", "default", "redirect", "local"}) {
      EXPECT_EQ(sampleValue(page, requests(code, route)), 0) << code << " " << route;
    }
  }
}

TEST_F(MetricsTest, AdminIsOffWithoutAdminListen) {
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port())));
  EXPECT_EQ(gate().countLog(std::regex("admin")), 0u) << gate().log();
}

TEST_F(MetricsTest, NonLoopbackAdminAddressIsRefused) {
  const std::string path = dir_.file("public.yaml");
  writeFile(path, "listen:\n" + plainListenerYaml() + "admin:\n  listen: 0.0.0.0:9180\n");
  const RunResult result = runProcess({HTTPGATE_BINARY, "-t", "-c", path}, Millis{10'000});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_EQ(result.err, path +
                            ":4:11: admin.listen: \"0.0.0.0:9180\" is not a loopback address, "
                            "and /metrics and /healthz have no authentication; use 127.0.0.1 or "
                            "[::1], or set admin.allow_public: true\n");
}

TEST_F(MetricsTest, AllowPublicAcceptsAnyAddress) {
  const std::string path = dir_.file("public.yaml");
  writeFile(path, "listen:\n" + plainListenerYaml() +
                      "admin:\n  listen: 0.0.0.0:9180\n  allow_public: true\n");
  const RunResult result = runProcess({HTTPGATE_BINARY, "-t", "-c", path}, Millis{10'000});
  EXPECT_EQ(result.exitCode, 0) << result.err;
}

}  // namespace
}  // namespace httpgate::test
