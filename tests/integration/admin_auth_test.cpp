// admin.users on the real binary over real sockets: basic authentication
// of every admin path but /healthz, with SHA-512-crypt hashes made at test
// time by `openssl passwd -6` (a random salt each); 401 without
// credentials, with a wrong password and for an unknown user, all alike;
// HUP adding a user; the refusal log; the warning for a public endpoint
// without users.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <signal.h>

#include <chrono>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

// `openssl passwd -6 PASSWORD`: a SHA-512-crypt hash with a random salt.
std::string sha512Crypt(const std::string& password) {
  const RunResult made = runProcess({"/usr/bin/openssl", "passwd", "-6", password}, Millis{10'000});
  EXPECT_EQ(made.exitCode, 0) << made.err;
  std::string hash = made.out;
  while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) {
    hash.pop_back();
  }
  EXPECT_EQ(hash.rfind("$6$", 0), 0u) << hash;
  return hash;
}

std::string basicField(const std::string& name, const std::string& password) {
  const std::string plain = name + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(plain.data()), plain.size());
  encoded.resize(static_cast<size_t>(length));
  return "Authorization: Basic " + encoded + "\r\n";
}

class AdminAuthTest : public GateTest {
 protected:
  std::string yaml(const std::string& usersLines, std::string_view adminExtra = "") const {
    return standardGateYaml(cert_, backend_.port(), "",
                            "log:\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n" +
                                std::string(adminExtra) + usersLines);
  }

  void start(const std::string& usersLines) {
    ASSERT_NO_FATAL_FAILURE(startGate(yaml(usersLines)));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0) << "no \"admin listening on\" line";
  }

  HttpResponse admin(std::string_view path, const std::string& fields = "") {
    Client client = Client::plain(adminPort_);
    EXPECT_TRUE(client.connected()) << client.error();
    return client.exchange(getRequest(path, fields));
  }

  // A refusal exactly as the contract has it, telling nothing of why.
  void expectRefused(const HttpResponse& response) {
    EXPECT_EQ(response.status, 401) << response.describe();
    EXPECT_EQ(response.field("WWW-Authenticate"), "Basic realm=\"httpgate\"");
    EXPECT_EQ(response.body, "Unauthorized\n");
  }

  Backend backend_;
  uint16_t adminPort_ = 0;
};

TEST_F(AdminAuthTest, MetricsNeedTheRightUserAndPassword) {
  const std::string hash = sha512Crypt("alice's secret");
  ASSERT_NO_FATAL_FAILURE(start("  users:\n    alice: '" + hash + "'\n"));
  expectRefused(admin("/metrics"));
  expectRefused(admin("/metrics", basicField("alice", "wrong")));
  expectRefused(admin("/metrics", basicField("mallory", "alice's secret")));
  expectRefused(admin("/metrics", "Authorization: Bearer abc\r\n"));
  expectRefused(admin("/metrics", "Authorization: Basic " + std::string(2000, 'A') + "\r\n"));
  // Paths that do not exist are no hint either.
  expectRefused(admin("/nowhere"));
  const HttpResponse ok = admin("/metrics", basicField("alice", "alice's secret"));
  EXPECT_EQ(ok.status, 200) << ok.describe();
  EXPECT_NE(ok.body.find("httpgate_requests_total"), std::string::npos);
  EXPECT_EQ(admin("/nowhere", basicField("alice", "alice's secret")).status, 404);
}

TEST_F(AdminAuthTest, HealthzStaysOpen) {
  ASSERT_NO_FATAL_FAILURE(start("  users:\n    alice: '" + sha512Crypt("pw") + "'\n"));
  const HttpResponse health = admin("/healthz");
  EXPECT_EQ(health.status, 200) << health.describe();
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(admin("/healthz", basicField("alice", "wrong")).status, 200);
}

TEST_F(AdminAuthTest, RefusalsAreLoggedAtMostOnceASecond) {
  ASSERT_NO_FATAL_FAILURE(start("  users:\n    alice: '" + sha512Crypt("pw") + "'\n"));
  const auto began = std::chrono::steady_clock::now();
  constexpr int kTries = 6;
  for (int i = 0; i < kTries; ++i) {
    expectRefused(admin("/metrics", basicField("alice", "wrong")));
  }
  const std::regex refused("admin: refused a request from 127\\.0\\.0\\.1: wrong credentials");
  ASSERT_TRUE(gate().waitForLog(refused, Millis{2000})) << gate().log();
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began)
          .count();
  const size_t lines = gate().countLog(std::regex("admin: refused a request"));
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, static_cast<size_t>(seconds) + 1) << gate().log();
  EXPECT_LT(lines, static_cast<size_t>(kTries)) << gate().log();
}

TEST_F(AdminAuthTest, HupAddsAUser) {
  const std::string alice = "    alice: '" + sha512Crypt("a-pw") + "'\n";
  ASSERT_NO_FATAL_FAILURE(start("  users:\n" + alice));
  expectRefused(admin("/metrics", basicField("bob", "b-pw")));
  const size_t from = gate().logSize();
  gate().rewriteConfig(yaml("  users:\n" + alice + "    bob: '" + sha512Crypt("b-pw") + "'\n"));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}, from));
  EXPECT_EQ(admin("/metrics", basicField("bob", "b-pw")).status, 200);
  EXPECT_EQ(admin("/metrics", basicField("alice", "a-pw")).status, 200);
  expectRefused(admin("/metrics", basicField("bob", "a-pw")));
}

TEST_F(AdminAuthTest, PublicWithoutUsersIsWarnedAbout) {
  const std::regex warning(
      "admin endpoint .* is public \\(admin.allow_public\\) without "
      "authentication");
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("", "  allow_public: true\n")));
  EXPECT_EQ(gate().countLog(warning), 1u) << gate().log();
  ASSERT_NO_FATAL_FAILURE(startGate(
      yaml("  users:\n    alice: '" + sha512Crypt("pw") + "'\n", "  allow_public: true\n")));
  EXPECT_EQ(gate().countLog(warning), 0u) << gate().log();
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("")));
  EXPECT_EQ(gate().countLog(warning), 0u) << gate().log();
}

}  // namespace
}  // namespace httpgate::test
