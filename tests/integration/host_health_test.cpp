// Passive health of routes.hosts (issue 12): a remote host whose connects
// time out is marked down after fail_after of them; while down its ports
// are answered at once (502, or 410 with the void page for a session URL)
// without a connect, across a reload too; once per down_for one request
// probes it, and a connect that works marks it up. A refused port proves the
// host alive. 127.0.0.2 plays the remote host; a port whose accept queue is
// full (Blackhole) plays a dead machine, since the kernel drops its SYNs.
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

constexpr char kRemote[] = "127.0.0.2";
constexpr Millis kConnectTimeout{1000};
// Far below kConnectTimeout: an answer that did not wait for a connect.
constexpr Millis kAtOnce{500};
constexpr std::string_view kVoidPage = "<html><body>Your session has ended.</body></html>\n";
const std::regex kAdminListening(R"(admin listening on 127\.0\.0\.1:([0-9]+) )");
const std::regex kConnectTimedOut(R"(did not accept the connection within)");
const std::regex kMarkedDown(
    R"(backend host 127\.0\.0\.2 is down after 2 consecutive connect failures)");
const std::regex kMarkedUp(R"(backend host 127\.0\.0\.2 is up)");
const std::string kHostUp = "httpgate_backend_host_up{host=\"127.0.0.2\"}";
const std::string kTimeouts = "httpgate_backend_connect_failures_total{reason=\"timeout\"}";
const std::string kHostDown = "httpgate_backend_connect_failures_total{reason=\"host_down\"}";

class HostHealthTest : public GateTest {
 protected:
  // Starts the gate with one single-port range per element of `ports`, all
  // on 127.0.0.2 with fail_after 2 and down_for `downFor`, timeouts.connect
  // kConnectTimeout, the void page and the admin endpoint.
  void start(const std::vector<uint16_t>& ports, std::string_view downFor) {
    std::string routes = "  hosts:\n";
    for (uint16_t port : ports) {
      const std::string p = std::to_string(port);
      routes +=
          "    - range: \"" + p + "-" + p + "\"\n      host: 127.0.0.2\n      fail_after: 2\n";
      routes += "      down_for: " + std::string(downFor) + "\n";
    }
    const std::string page = dir_.file("void.html");
    writeFile(page, kVoidPage);
    yaml_ = standardGateYaml(cert_, local_.port(), routes,
                             "timeouts:\n  connect: " + std::to_string(kConnectTimeout.count()) +
                                 "ms\nvoid_page: \"" + page +
                                 "\"\nlog:\n  level: debug\n  access: \"off\"\n"
                                 "admin:\n  listen: 127.0.0.1:0\n");
    ASSERT_NO_FATAL_FAILURE(startGate(yaml_));
    const auto match = gate().waitForLog(kAdminListening, Millis{2000});
    ASSERT_TRUE(match) << "no \"admin listening on\" line";
    adminPort_ = static_cast<uint16_t>(std::stoi((*match)[1]));
  }

  // GET `path` on a new plain connection; `elapsed` gets the time it took.
  HttpResponse get(const std::string& path, Millis* elapsed = nullptr) {
    Client client = Client::plain(plainPort());
    EXPECT_TRUE(client.connected()) << client.error();
    const Clock::time_point begin = Clock::now();
    HttpResponse response = client.exchange(getRequest(path));
    if (elapsed != nullptr) {
      *elapsed = std::chrono::duration_cast<Millis>(Clock::now() - begin);
    }
    return response;
  }

  std::optional<double> sample(const std::string& series) {
    Client client = Client::plain(adminPort_);
    EXPECT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/metrics"));
    EXPECT_EQ(response.status, 200) << response.describe();
    return sampleValue(response.body, series);
  }

  // Scrapes until `series` has `expected` (the gate counts some events just
  // after the client sees their effect), at most 50 times, then asserts.
  void expectSample(const std::string& series, double expected) {
    std::optional<double> value;
    for (int i = 0; i < 50; ++i) {
      value = sample(series);
      if (value == expected) {
        break;
      }
      std::this_thread::sleep_for(Millis{20});
    }
    ASSERT_TRUE(value.has_value()) << "no sample " << series;
    EXPECT_EQ(*value, expected) << series;
  }

  // The admin endpoint's /status.json.
  nlohmann::json status() {
    Client client = Client::plain(adminPort_);
    EXPECT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/status.json"));
    EXPECT_EQ(response.status, 200) << response.describe();
    return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }

  // A request for the dead port: waits for the connect timeout, then 504.
  void expectConnectTimeout(uint16_t port) {
    Millis elapsed{};
    const HttpResponse response = get("/" + std::to_string(port) + "/x", &elapsed);
    EXPECT_TRUE(isGateResponse(response, 504, false));
    EXPECT_GE(elapsed, kConnectTimeout - Millis{100}) << "answered before timeouts.connect";
  }

  // A request answered at once because the host is down: `status`, no wait.
  void expectAtOnce(const std::string& path, int status) {
    Millis elapsed{};
    const HttpResponse response = get(path, &elapsed);
    EXPECT_TRUE(isGateResponse(response, status, false)) << path;
    EXPECT_LT(elapsed, kAtOnce) << path << ": waited as if for a connect";
    if (status == 410) {
      EXPECT_EQ(response.body, kVoidPage);
    }
  }

  Backend local_;
  std::string yaml_;
  uint16_t adminPort_ = 0;
};

TEST_F(HostHealthTest, DeadHostIsAnsweredAtOnceThenProbedAndMarkedUp) {
  Blackhole dead(kRemote);
  if (!dead.works()) {
    GTEST_SKIP() << "cannot make a loopback connect hang here (" << dead.why() << ")";
  }
  // Another port of the same host works, on a connection kept alive.
  BackendOptions liveOptions;
  liveOptions.host = kRemote;
  Backend live(nullptr, liveOptions);
  // down_for leaves ample time for the checks below before the first probe
  // is due (they take well under a second), so none of them is the probe.
  ASSERT_NO_FATAL_FAILURE(start({dead.port(), live.port()}, "5s"));
  const std::string port = std::to_string(dead.port());
  expectSample(kHostUp, 1);
  Client kept = Client::plain(plainPort());
  ASSERT_TRUE(kept.connected()) << kept.error();
  const HttpResponse first = kept.exchange(getRequest(pathTo(live, "/first")));
  EXPECT_EQ(first.status, 200) << first.describe();

  // fail_after (2) connects wait for timeouts.connect; then the host is down.
  expectConnectTimeout(dead.port());
  expectConnectTimeout(dead.port());
  EXPECT_TRUE(gate().waitForLog(kMarkedDown, Millis{2000})) << "no log line marking it down";
  expectSample(kHostUp, 0);

  // While down: answered at once, as for a refused port, with no connect.
  expectAtOnce("/" + port + "/page", 502);
  expectAtOnce("/" + port + "/a1b2c3~index.html?x=1", 410);
  // Not on the live port's kept-alive backend connection either.
  const Clock::time_point begin = Clock::now();
  const HttpResponse pooled = kept.exchange(getRequest(pathTo(live, "/second")));
  EXPECT_TRUE(isGateResponse(pooled, 502, false));
  EXPECT_LT(Clock::now() - begin, kAtOnce);
  EXPECT_EQ(live.requestCount(), 1u);
  expectSample(kHostDown, 3);
  expectSample(kTimeouts, 2);
  EXPECT_EQ(gate().countLog(kConnectTimedOut), 2u) << "a connect was tried while down";
  // The status page names the host down and its last failure.
  const nlohmann::json hosts = status()["backends"]["hosts"];
  ASSERT_EQ(hosts.size(), 1U) << hosts.dump();
  EXPECT_EQ(hosts[0]["host"], kRemote);
  EXPECT_EQ(hosts[0]["up"], false);
  EXPECT_EQ(hosts[0]["last_failure"]["reason"], "connect timed out") << hosts.dump();
  EXPECT_NEAR(hosts[0]["last_failure"]["at"].get<double>(), static_cast<double>(std::time(nullptr)),
              30.0);

  // A reload keeps the state of a host that stays in the configuration.
  const size_t logBefore = gate().logSize();
  gate().rewriteConfig(yaml_);
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{3000}, logBefore));
  expectAtOnce("/" + port + "/page", 502);
  expectSample(kHostUp, 0);

  // The machine comes back: its port accepts. Until down_for has passed the
  // answers stay immediate; then one request probes, gets through, and the
  // host is up.
  const uint16_t deadPort = dead.port();
  dead.close();
  BackendOptions options;
  options.host = kRemote;
  options.port = deadPort;
  Backend back(nullptr, options);
  HttpResponse response;
  for (int i = 0; i < 100; ++i) {  // down_for is 5 s: at most 10 s
    response = get("/" + port + "/back");
    if (response.status != 502) {
      break;
    }
    std::this_thread::sleep_for(Millis{100});
  }
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.body, Backend::defaultBody(deadPort, "/back"));
  EXPECT_TRUE(gate().waitForLog(kMarkedUp, Millis{2000})) << "no log line marking it up";
  expectSample(kHostUp, 1);
  EXPECT_EQ(gate().countLog(kConnectTimedOut), 2u);
}

// A refused connect comes from a live machine: it resets the count, so
// timeouts on one port and refusals on another never add up to fail_after.
// Both ranges name the same host, which has one state.
TEST_F(HostHealthTest, RefusedPortsKeepTheHostUp) {
  Blackhole dead(kRemote);
  if (!dead.works()) {
    GTEST_SKIP() << "cannot make a loopback connect hang here (" << dead.why() << ")";
  }
  const uint16_t refusing = refusingPort(kRemote);
  ASSERT_NO_FATAL_FAILURE(start({dead.port(), refusing}, "10s"));
  const std::string refused = "/" + std::to_string(refusing) + "/a1b2c3~index.html";

  expectConnectTimeout(dead.port());
  const HttpResponse response = get(refused);
  EXPECT_TRUE(isGateResponse(response, 410, false));
  EXPECT_EQ(response.body, kVoidPage);
  expectConnectTimeout(dead.port());  // one failure since the refusal: still up
  expectSample(kHostUp, 1);
  EXPECT_EQ(gate().countLog(kMarkedDown), 0u);

  // A second failure in a row marks the host down, for both of its ranges.
  expectConnectTimeout(dead.port());
  EXPECT_TRUE(gate().waitForLog(kMarkedDown, Millis{2000})) << "no log line marking it down";
  expectAtOnce(refused, 410);
  expectSample(kHostDown, 1);
  expectSample(kHostUp, 0);
}

}  // namespace
}  // namespace httpgate::test
