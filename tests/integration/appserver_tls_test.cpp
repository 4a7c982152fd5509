// The app-server library serving TLS itself (Options::tlsCertificate and
// tlsKey, the notes app's --tls-cert/--tls-key) behind the gate's
// routes.hosts[].tls: the parent's port and the session's port live on
// 127.0.0.2 and are reached over verified TLS only; a session is opened and
// used end to end. A bad certificate file stops the app at start.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/app_process.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class AppserverTlsTest : public GateTest {
 protected:
  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr ----\n" << app_->log() << "---- end ----\n";
    }
    GateTest::TearDown();
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_F(AppserverTlsTest, SessionOverTlsEndToEnd) {
  const CertificateAuthority ca = makeCertificateAuthority(dir_, "hosts-ca");
  const CertificateFiles hostCert = makeSignedCertificate(dir_, "host", {"sessions-a.test"}, ca);
  app_ = std::make_unique<AppProcess>(
      HTTPGATE_NOTES_APP,
      std::vector<std::string>{"--address", "127.0.0.2", "--tls-cert", hostCert.certPath,
                               "--tls-key", hostCert.keyPath});
  ASSERT_TRUE(app_->ready()) << app_->log();
  // Every numeric port, the parent's and the sessions', lives on 127.0.0.2.
  const std::string routes =
      "  hosts:\n    - range: \"1024-65535\"\n      host: 127.0.0.2\n"
      "      tls:\n        ca: \"" +
      ca.certPath + "\"\n        server_name: sessions-a.test\n";
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, app_->port(), routes)));

  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse first = client.exchange(getRequest("/"));
  ASSERT_EQ(first.status, 303) << first.describe();
  const std::optional<SessionUrl> url = parseSessionUrl(first.field("Location").value_or(""));
  ASSERT_TRUE(url.has_value()) << first.describe();

  const HttpResponse added =
      client.exchange(postRequest(url->prefix + "/", "action=add&text=over+tls",
                                  "Content-Type: application/x-www-form-urlencoded\r\n"));
  EXPECT_EQ(added.status, 303) << added.describe();
  const HttpResponse page = client.exchange(getRequest(url->prefix + "/"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find(">over tls<"), std::string::npos) << page.body;

  // The session's port speaks TLS only: plain HTTP straight to it is no
  // answer, a TLS client that trusts the CA is answered.
  Client plain = Client::plain(url->port, "127.0.0.2");
  ASSERT_TRUE(plain.connected()) << plain.error();
  EXPECT_NE(plain.exchange(getRequest(url->prefix + "/")).status, 200);
  TlsOptions options;
  options.serverName = "sessions-a.test";
  Client direct = Client::tls(url->port, options, "127.0.0.2");
  ASSERT_TRUE(direct.connected()) << direct.error();
  EXPECT_EQ(direct.tlsStream()->peerDnsNames(), std::vector<std::string>{"sessions-a.test"});
}

// Past maxSessions the parent answers 503 itself: over TLS too, through a
// handshake it drives without waiting on the client. A client that
// connects and says nothing does not hold the parent up.
TEST_F(AppserverTlsTest, PastTheCapTheParentAnswers503OverTls) {
  const CertificateAuthority ca = makeCertificateAuthority(dir_, "hosts-ca");
  const CertificateFiles hostCert = makeSignedCertificate(dir_, "host", {"sessions-a.test"}, ca);
  app_ = std::make_unique<AppProcess>(
      HTTPGATE_NOTES_APP,
      std::vector<std::string>{"--address", "127.0.0.2", "--max-sessions", "1", "--tls-cert",
                               hostCert.certPath, "--tls-key", hostCert.keyPath});
  ASSERT_TRUE(app_->ready()) << app_->log();
  TlsOptions options;
  options.serverName = "sessions-a.test";
  Client first = Client::tls(app_->port(), options, "127.0.0.2");
  ASSERT_TRUE(first.connected()) << first.error();
  ASSERT_EQ(first.exchange(getRequest("/")).status, 303) << app_->log();

  Client silent = Client::plain(app_->port(), "127.0.0.2");
  ASSERT_TRUE(silent.connected()) << silent.error();
  for (int round = 0; round < 2; ++round) {
    Client refused = Client::tls(app_->port(), options, "127.0.0.2");
    ASSERT_TRUE(refused.connected()) << refused.error() << app_->log();
    const HttpResponse answer = refused.exchange(getRequest("/"));
    EXPECT_EQ(answer.status, 503) << answer.describe();
    EXPECT_TRUE(answer.announcesClose()) << answer.describe();
  }
}

TEST_F(AppserverTlsTest, BadKeyStopsTheAppAtStart) {
  const CertificateFiles cert = makeCertificate(dir_, "app", {"sessions-a.test"});
  const std::string key = dir_.file("bad.key");
  writeFile(key, "not a key\n");
  const RunResult result =
      runProcess({HTTPGATE_NOTES_APP, "--port", "0", "--tls-cert", cert.certPath, "--tls-key", key},
                 Millis{10'000});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_NE(result.err.find("cannot load the TLS key \"" + key + "\""), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace httpgate::test
