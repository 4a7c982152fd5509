// SIGHUP reloads: routes and certificates change for new connections while
// traffic runs without a failed request; an invalid config is refused and
// the running one stays.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

const std::regex kReloaded("configuration reloaded");
const std::regex kReloadFailed("reload failed, keeping the running configuration");

class ReloadTest : public GateTest {
 protected:
  // The config with app "svc" on `appPort` and the certificate `cert`.
  std::string yaml(uint16_t appPort, const CertificateFiles& cert) const {
    return standardGateYaml(cert, fallback_.port(),
                            "  apps:\n    svc:\n      port: " + std::to_string(appPort) + "\n",
                            "log:\n  access: \"off\"\n");
  }

  // Rewrites the config, sends SIGHUP and waits for the outcome's log line.
  void reload(const std::string& text, const std::regex& outcome) {
    const size_t from = gate().logSize();
    gate().rewriteConfig(text);
    gate().sendSignal(SIGHUP);
    ASSERT_TRUE(gate().waitForLog(outcome, Millis{5000}, from))
        << "no line matching the expected reload outcome after SIGHUP";
  }

  // GET /svc/<rest> on a new connection: the body names the backend.
  std::string bodyOnNewConnection(std::string_view rest) {
    Client client = Client::tls(tlsPort());
    const HttpResponse response = client.exchange(getRequest("/svc" + std::string(rest)));
    return response.complete ? response.body : "(" + response.describe() + ")";
  }

  Backend a_;
  Backend b_;
  Backend fallback_;
};

TEST_F(ReloadTest, RouteChangesUnderTrafficWithoutFailedRequests) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(a_.port(), cert_)));
  Client longLived = Client::tls(tlsPort());
  ASSERT_TRUE(longLived.connected()) << longLived.error();
  ASSERT_TRUE(longLived.exchange(getRequest("/svc/first")).complete);

  std::atomic<bool> reloadsDone{false};
  std::mutex mutex;  // guards the counters and failures below
  std::condition_variable progressed;
  int done = 0;
  int fromA = 0;
  int fromB = 0;
  std::vector<std::string> failures;
  std::thread traffic([&] {
    Client client;
    // At least 300 requests, more while reloads still run, never unbounded.
    for (int i = 0; i < 3000 && (i < 300 || !reloadsDone); ++i) {
      if (i % 10 == 0 || !client.connected()) {
        client = Client::tls(tlsPort());  // every tenth request on a new connection
      }
      const std::string rest = "/r" + std::to_string(i);
      const HttpResponse response = client.exchange(getRequest("/svc" + rest));
      const bool ok = response.complete && response.status == 200;
      std::lock_guard lock(mutex);
      if (ok && response.body == Backend::defaultBody(a_.port(), rest)) {
        ++fromA;
      } else if (ok && response.body == Backend::defaultBody(b_.port(), rest)) {
        ++fromB;
      } else {
        failures.push_back("request " + std::to_string(i) + ": " + response.describe());
        client = Client();
      }
      ++done;
      progressed.notify_all();
    }
  });
  for (int k = 1; k <= 5; ++k) {
    {
      // Spread the reloads over the traffic: one every 50 requests.
      std::unique_lock lock(mutex);
      progressed.wait_for(lock, Millis{10'000}, [&] { return done >= 50 * k; });
    }
    reload(yaml(k % 2 == 1 ? b_.port() : a_.port(), cert_), kReloaded);
    if (HasFatalFailure()) {
      break;
    }
  }
  reloadsDone = true;
  traffic.join();

  EXPECT_GE(done, 300);
  EXPECT_GT(fromA, 0);
  EXPECT_GT(fromB, 0) << "no request ever saw the reloaded route";
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed requests, the first:\n"
                                << failures.front();
  // The last reload pointed svc at b.
  EXPECT_EQ(bodyOnNewConnection("/after"), Backend::defaultBody(b_.port(), "/after"));
  // A connection opened before the reloads was never closed by them.
  const HttpResponse old = longLived.exchange(getRequest("/svc/old"));
  ASSERT_TRUE(old.complete) << old.describe();
  EXPECT_EQ(old.status, 200);
}

TEST_F(ReloadTest, InvalidConfigIsRefusedAndOldRoutesKeepWorking) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(a_.port(), cert_)));
  ASSERT_EQ(bodyOnNewConnection("/x"), Backend::defaultBody(a_.port(), "/x"));
  const std::string invalid = yaml(b_.port(), cert_) + "bogus_key: 1\n";
  ASSERT_NO_FATAL_FAILURE(reload(invalid, kReloadFailed));
  EXPECT_TRUE(gate().waitForLog(std::regex("reload failed.*bogus_key: unknown key"), Millis{0}))
      << "the refusal does not name the error";
  EXPECT_EQ(bodyOnNewConnection("/y"), Backend::defaultBody(a_.port(), "/y"));
  // A valid config afterwards is taken.
  ASSERT_NO_FATAL_FAILURE(reload(yaml(b_.port(), cert_), kReloaded));
  EXPECT_EQ(bodyOnNewConnection("/z"), Backend::defaultBody(b_.port(), "/z"));
}

TEST_F(ReloadTest, CertificateIsReplaced) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(a_.port(), cert_)));
  Client before = Client::tls(tlsPort());
  ASSERT_TRUE(before.connected()) << before.error();
  EXPECT_EQ(before.tlsStream()->peerCommonName(), "gate.test");

  const CertificateFiles renewed = makeCertificate(dir_, "renewed", {"renewed.test"});
  ASSERT_NO_FATAL_FAILURE(reload(yaml(a_.port(), renewed), kReloaded));
  Client after = Client::tls(tlsPort());
  ASSERT_TRUE(after.connected()) << after.error();
  EXPECT_EQ(after.tlsStream()->peerCommonName(), "renewed.test");
  // The connection made before still works.
  const HttpResponse response = before.exchange(getRequest("/svc/x"));
  EXPECT_TRUE(response.complete) << response.describe();
}

}  // namespace
}  // namespace httpgate::test
