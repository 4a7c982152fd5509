// The admin endpoint's /status.json on the real binary: exact values after
// a known sequence — requests answered 2xx and 502, a connect refused, an
// app that listens and one that does not, a reload that fails with its
// file:line:column and one that succeeds — and the answers around it.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/support/backend.h"
#include "tests/support/certificates.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

using json = nlohmann::json;

class StatusTest : public GateTest {
 protected:
  void start() {
    deadPort_ = refusingPort();
    ASSERT_NO_FATAL_FAILURE(startGate(yaml()));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0) << "no \"admin listening on\" line";
  }

  std::string yaml() const {
    const std::string routes =
        "  apps:\n    alive:\n      port: " + std::to_string(backend_.port()) +
        "\n    dead:\n      port: " + std::to_string(deadPort_) + "\n";
    return standardGateYaml(cert_, backend_.port(), routes,
                            "log:\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n");
  }

  // One request on a new admin connection.
  HttpResponse admin(std::string_view request) {
    Client client = Client::plain(adminPort_);
    EXPECT_TRUE(client.connected()) << client.error();
    return client.exchange(request);
  }

  json status() {
    const HttpResponse response = admin(getRequest("/status.json"));
    EXPECT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(response.field("Content-Type"), "application/json");
    return json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }

  // The document once `ready` holds for it (the gate counts a request just
  // after the client has its answer), within 5 s.
  template <typename Ready>
  json statusWhen(Ready ready) {
    json document;
    for (int round = 0; round < 100; ++round) {
      document = status();
      if (!document.is_discarded() && ready(document)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return document;
  }

  // "/slow..." is answered after kSlow, "/hold" after kHold: long enough
  // to be seen in flight.
  static constexpr Millis kSlow{300};
  static constexpr Millis kHold{1500};
  Backend backend_{[](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    if (request.target.rfind("/slow", 0) == 0) {
      reply.delay = kSlow;
    } else if (request.target == "/hold") {
      reply.delay = kHold;
    }
    return reply;
  }};
  uint16_t deadPort_ = 0;
  uint16_t adminPort_ = 0;
};

TEST_F(StatusTest, ExactValuesAfterAKnownSequence) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client.exchange(getRequest("/")).status, 200);
  }
  Client plain = Client::plain(plainPort());
  EXPECT_EQ(plain.exchange(getRequest("/dead/")).status, 502);

  const json s = statusWhen([](const json& d) {
    return d["traffic"]["requests"]["2xx"] == 3 && d["traffic"]["requests"]["5xx"] == 1;
  });
  ASSERT_FALSE(s.is_discarded());
  EXPECT_EQ(s["version"], 1);
  EXPECT_EQ(s["traffic"]["requests"]["2xx"], 3);
  EXPECT_EQ(s["traffic"]["requests"]["5xx"], 1);
  EXPECT_EQ(s["traffic"]["requests"]["4xx"], 0);
  EXPECT_GT(s["traffic"]["bytes_in"].get<uint64_t>(), 0U);
  EXPECT_EQ(s["backends"]["connect_failures"]["refused"], 1);
  EXPECT_EQ(s["tls_handshakes"]["total"], 1);

  const json& gateInfo = s["gate"];
  EXPECT_EQ(gateInfo["config_file"], gate().configPath());
  EXPECT_EQ(gateInfo["pid"], gate().pid());
  EXPECT_TRUE(gateInfo["last_reload"].is_null());
  EXPECT_EQ(gateInfo["reloads_failed"], 0);
  ASSERT_TRUE(gateInfo["workers"].is_array());
  EXPECT_GE(gateInfo["workers"].size(), 1U);
  for (const json& worker : gateInfo["workers"]) {
    EXPECT_EQ(worker["responding"], true) << worker.dump();
  }

  ASSERT_EQ(s["listeners"].size(), 2U);
  const json& tls = s["listeners"][0];
  EXPECT_EQ(tls["address"], "127.0.0.1:" + std::to_string(tlsPort()));
  EXPECT_EQ(tls["tls"], true);
  EXPECT_EQ(tls["protocols"], json::array({"h2", "http/1.1"}));
  EXPECT_EQ(tls["open_connections"], 1);  // `client`, still open
  EXPECT_EQ(s["listeners"][1]["tls"], false);
  EXPECT_EQ(s["listeners"][1]["protocols"], json::array({"http/1.1"}));

  // The test's certificate, made at test time for "gate.test".
  ASSERT_EQ(s["certificates"].size(), 1U) << s["certificates"].dump();
  EXPECT_EQ(s["certificates"][0]["file"], cert_.certPath);
  EXPECT_EQ(s["certificates"][0]["names"], json::array({"gate.test"}));
  // The certificate is valid for 24 hours from the second it was made: 0 or 1 whole days
  // are left depending on the second the document was made, so the exact value is computed
  // from both rather than guessed.
  const long notAfter = certificateNotAfter(cert_.certPath);
  EXPECT_EQ(s["certificates"][0]["not_after"], notAfter);
  EXPECT_EQ(s["certificates"][0]["days_left"], (notAfter - s["now"].get<long>()) / 86400);

  ASSERT_EQ(s["apps"].size(), 2U);
  EXPECT_EQ(s["apps"][0]["name"], "alive");
  EXPECT_EQ(s["apps"][0]["port"], backend_.port());
  EXPECT_EQ(s["apps"][0]["listening"], true);
  EXPECT_EQ(s["apps"][0]["start_command"], false);
  EXPECT_EQ(s["apps"][1]["name"], "dead");
  EXPECT_EQ(s["apps"][1]["listening"], false);
  EXPECT_TRUE(s["apps"][1]["last_start"].is_null());

  // The history, sampled once a second from the start, holds the same
  // requests once the second they came in has ended.
  const auto sum = [](const json& values) {
    uint64_t total = 0;
    for (const json& value : values) {
      total += value.get<uint64_t>();
    }
    return total;
  };
  const json later = statusWhen([&](const json& d) {
    return sum(d["traffic"]["history"]["requests"]["2xx"]) == 3 &&
           sum(d["traffic"]["history"]["requests"]["5xx"]) == 1;
  });
  const json& history = later["traffic"]["history"];
  EXPECT_EQ(sum(history["requests"]["2xx"]), 3U) << history.dump();
  EXPECT_EQ(sum(history["requests"]["5xx"]), 1U) << history.dump();
  EXPECT_EQ(history["at"].size(), history["requests"]["2xx"].size());
  EXPECT_EQ(later["tls_handshakes"]["last_minute"]["handshakes"], 1);
}

TEST_F(StatusTest, SlowestRequestsPortsInUseAndHandshakesPerListener) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client tls = Client::tls(tlsPort());
  ASSERT_TRUE(tls.connected()) << tls.error();
  EXPECT_EQ(tls.exchange(getRequest("/slow/page?token=secret")).status, 200);
  // Plain HTTP on the TLS listener: a failed handshake there.
  Client notTls = Client::plain(tlsPort());
  ASSERT_TRUE(notTls.send(getRequest("/")));
  EXPECT_TRUE(notTls.waitClosed());
  // A request the backend holds: its connection is in use meanwhile. It may
  // take the connection /slow left in its worker's pool, or open another.
  Client holder = Client::plain(plainPort());
  ASSERT_TRUE(holder.send(getRequest("/hold")));
  ASSERT_TRUE(backend_.waitForRequests(2, Millis{5000}));

  const json s = statusWhen([](const json& d) {
    return d["listeners"][0]["tls_handshakes"]["failures"]["protocol"] == 1;
  });
  const json& slowest = s["traffic"]["slowest"];
  ASSERT_EQ(slowest.size(), 1U) << slowest.dump();
  EXPECT_EQ(slowest[0]["method"], "GET");
  EXPECT_EQ(slowest[0]["path"], "/slow/page") << "without its query";
  EXPECT_EQ(slowest[0]["status"], 200);
  EXPECT_EQ(slowest[0]["backend_port"], backend_.port());
  EXPECT_GE(slowest[0]["duration_ms"].get<double>(), static_cast<double>(kSlow.count()));

  const json& ports = s["backends"]["ports"];
  ASSERT_EQ(ports.size(), 1U) << ports.dump();
  EXPECT_EQ(ports[0]["port"], backend_.port());
  EXPECT_EQ(ports[0]["address"], "127.0.0.1");
  EXPECT_EQ(ports[0]["tls"], false);
  EXPECT_EQ(ports[0]["active"], 1) << "the held request";
  EXPECT_EQ(ports[0]["pooled"], backend_.connectionCount() - 1) << ports.dump();
  EXPECT_EQ(s["backends"]["census"], json({{"workers", 2}, {"answered", 2}}));

  const json& onTls = s["listeners"][0]["tls_handshakes"];
  EXPECT_EQ(onTls["total"], 1);
  EXPECT_EQ(onTls["failures"], json({{"timeout", 0}, {"closed", 0}, {"protocol", 1}}));
  EXPECT_TRUE(s["listeners"][1]["tls_handshakes"].is_null()) << "a plain listener";

  EXPECT_EQ(holder.readResponse().status, 200);
  const json after = statusWhen([](const json& d) {
    return d["backends"]["ports"].size() == 1 && d["backends"]["ports"][0]["active"] == 0;
  });
  EXPECT_EQ(after["backends"]["ports"][0]["pooled"], backend_.connectionCount()) << after.dump();
}

TEST_F(StatusTest, TheAdminPagesForbidForeignScriptsAndFraming) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (const char* path : {"/", "/status.json", "/metrics"}) {
    const HttpResponse response = admin(getRequest(path));
    EXPECT_EQ(response.status, 200) << path;
    const std::string policy = response.field("Content-Security-Policy").value_or("");
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << path << ": " << policy;
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(response.field("X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(StatusTest, AFailedReloadShowsItsErrorUntilOneSucceeds) {
  ASSERT_NO_FATAL_FAILURE(start());
  const int64_t loadedAt = status()["gate"]["config_loaded_at"].get<int64_t>();
  size_t from = gate().logSize();
  gate().rewriteConfig(yaml() + "limits:\n  max_connections: lots\n");
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("reload failed"), Millis{5000}, from));
  json s = statusWhen([](const json& d) { return !d["gate"]["last_reload"].is_null(); });
  const json& failed = s["gate"]["last_reload"];
  ASSERT_FALSE(failed.is_null()) << s.dump();
  EXPECT_EQ(failed["ok"], false);
  const std::string error = failed["error"].get<std::string>();
  EXPECT_TRUE(std::regex_search(
      error, std::regex(std::regex_replace(gate().configPath(), std::regex("[.]"), "\\.") +
                        ":[0-9]+:[0-9]+: limits\\.max_connections")))
      << error;
  EXPECT_EQ(s["gate"]["config_loaded_at"], loadedAt);
  EXPECT_EQ(s["gate"]["reloads_failed"], 1);

  from = gate().logSize();
  gate().rewriteConfig(yaml());
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}, from));
  s = statusWhen([](const json& d) { return d["gate"]["last_reload"]["ok"] == true; });
  EXPECT_EQ(s["gate"]["last_reload"]["ok"], true) << s.dump();
  EXPECT_EQ(s["gate"]["last_reload"]["error"], "");
  EXPECT_EQ(s["gate"]["reloads_ok"], 1);
  EXPECT_GE(s["gate"]["config_loaded_at"].get<int64_t>(), loadedAt);
}

TEST_F(StatusTest, OnlyGetAndHead) {
  ASSERT_NO_FATAL_FAILURE(start());
  const HttpResponse head = admin("HEAD /status.json HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(head.status, 200) << head.describe();
  const HttpResponse post =
      admin("POST /status.json HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405) << post.describe();
}

}  // namespace
}  // namespace httpgate::test
