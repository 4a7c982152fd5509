// ACME (issue 18) against a real ACME server, pebble, on loopback: the gate
// serves a self-signed stand-in, obtains its certificate by http-01 or by
// tls-alpn-01, stores it (one file, 0600) and serves it; renews it while a
// kept-alive connection goes on; keeps the certificate it has when an order
// fails; starts again from the storage without ordering; and two gates
// sharing the storage order once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_process.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"
#include "tests/support/pebble.h"
#include "tests/support/sockets.h"
#include "tests/support/tls_stream.h"

namespace httpgate::test {
namespace {

const std::regex kObtained("ACME: obtained the certificate for site\\.test");
const std::regex kSwapped("ACME: certificates swapped in");
const std::regex kOrdering("ACME: ordering a certificate for site\\.test");
constexpr Millis kOrderTimeout{30000};

TlsOptions forName(const std::string& name) {
  TlsOptions options;
  options.serverName = name;
  return options;
}

// What a TLS handshake for site.test on `port` presents.
struct Presented {
  std::string issuer;
  std::string fingerprint;
};
Presented presented(uint16_t port) {
  TlsOptions options;
  options.serverName = "site.test";
  Client client = Client::tls(port, options);
  if (!client.connected() || client.tlsStream() == nullptr) {
    return {};
  }
  return {client.tlsStream()->peerIssuerName(), client.tlsStream()->peerFingerprint()};
}

class AcmeTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    tls_ = freePortOutsideEphemeralRange();
    plain_ = freePortOutsideEphemeralRange();
    storage_ = dir_.file("acme");
  }

  void startPebble(PebbleOptions options = {}) {
    options.httpPort = options.httpPort != 0 ? options.httpPort : plain_;
    options.tlsPort = tls_;
    pebble_ = std::make_unique<Pebble>(dir_, options);
  }

  std::string yaml(const std::string& challenge, const std::string& renewBefore = "30d") const {
    return "listen:\n  - address: \"127.0.0.1:" + std::to_string(tls_) +
           "\"\n    tls:\n      acme:\n        directory: \"" + pebble_->directoryUrl() +
           "\"\n        email: admin@site.test\n        names: [site.test, www.site.test]\n" +
           "        storage: \"" + storage_ + "\"\n        ca: \"" + pebble_->caPath() +
           "\"\n        challenge: " + challenge + "\n        renew_before: " + renewBefore +
           "\n  - address: \"127.0.0.1:" + std::to_string(plain_) +
           "\"\nworkers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) +
           "\nlog:\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n";
  }

  uint16_t tls_ = 0;
  uint16_t plain_ = 0;
  std::string storage_;
  Backend backend_;
  std::unique_ptr<Pebble> pebble_;
};

TEST_F(AcmeTest, AFirstCertificateByHttp01IsStoredAndServed) {
  ASSERT_NO_FATAL_FAILURE(startPebble());
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("http-01")));
  ASSERT_TRUE(gate().waitForLog(kObtained, kOrderTimeout)) << gate().log() << pebble_->log();
  ASSERT_TRUE(gate().waitForLog(kSwapped, Millis{5000})) << gate().log();
  const Presented now = presented(tls_);
  EXPECT_NE(now.issuer.find("Pebble Intermediate CA"), std::string::npos) << now.issuer;
  EXPECT_EQ(pebble_->issued(), 1U);

  const std::string stored = storage_ + "/site.test/certificate.pem";
  struct stat info {};
  ASSERT_EQ(::stat(stored.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the key is in the file";
  Client client = Client::tls(tls_, forName("www.site.test"));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/")).status, 200);
}

TEST_F(AcmeTest, AFirstCertificateByTlsAlpn01) {
  ASSERT_NO_FATAL_FAILURE(startPebble());
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("tls-alpn-01")));
  ASSERT_TRUE(gate().waitForLog(kObtained, kOrderTimeout)) << gate().log() << pebble_->log();
  ASSERT_TRUE(gate().waitForLog(kSwapped, Millis{5000})) << gate().log();
  const Presented after = presented(tls_);
  EXPECT_NE(after.issuer.find("Pebble Intermediate CA"), std::string::npos) << after.issuer;
  EXPECT_EQ(gate().countLog(std::regex("ordering a certificate .*\\(tls-alpn-01\\)")), 1u);
  // A handshake with the gate's own ALPN still works on the listener.
  Client client = Client::tls(tls_, forName("site.test"));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/")).status, 200);
}

// Pebble's certificates live 30 s here and the gate renews 25 s ahead:
// a renewal follows the first order within seconds, and a connection kept
// alive across it goes on.
TEST_F(AcmeTest, RenewalSwapsTheCertificateWithoutDroppingAConnection) {
  PebbleOptions options;
  options.validitySeconds = 30;
  ASSERT_NO_FATAL_FAILURE(startPebble(options));
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("http-01", "25s")));
  ASSERT_TRUE(gate().waitForLog(kSwapped, kOrderTimeout)) << gate().log() << pebble_->log();
  const Presented first = presented(tls_);
  Client kept = Client::tls(tls_, forName("site.test"));
  ASSERT_TRUE(kept.connected()) << kept.error();
  EXPECT_EQ(kept.exchange(getRequest("/")).status, 200);

  const size_t from = gate().logSize();
  ASSERT_TRUE(gate().waitForLog(kSwapped, Millis{40000}, from)) << gate().log();
  EXPECT_GE(pebble_->issued(), 2U);
  const Presented second = presented(tls_);
  EXPECT_NE(second.fingerprint, first.fingerprint) << "a new certificate is served";
  EXPECT_EQ(kept.exchange(getRequest("/after")).status, 200) << "the kept connection goes on";
}

TEST_F(AcmeTest, AFailedOrderKeepsTheCertificateInUse) {
  ASSERT_NO_FATAL_FAILURE(startPebble());
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("http-01")));
  ASSERT_TRUE(gate().waitForLog(kSwapped, kOrderTimeout)) << gate().log() << pebble_->log();
  const Presented served = presented(tls_);

  // A new ACME server whose validations go to a closed port: every order
  // fails. A reload asks for a new name, so the gate orders at once.
  PebbleOptions failing;
  failing.httpPort = freePortOutsideEphemeralRange();
  pebble_.reset();
  ASSERT_NO_FATAL_FAILURE(startPebble(failing));
  std::string changed = yaml("http-01");
  changed.replace(changed.find("names: [site.test, www.site.test]"),
                  std::string("names: [site.test, www.site.test]").size(),
                  "names: [site.test, www.site.test, new.site.test]");
  const size_t from = gate().logSize();
  gate().rewriteConfig(changed);
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("ACME: the order for site\\.test, www\\.site\\.test, "
                                           "new\\.site\\.test failed: .*; the certificate in use "
                                           "keeps serving; next try in 60 s"),
                                kOrderTimeout, from))
      << gate().log();
  EXPECT_EQ(presented(tls_).fingerprint, served.fingerprint);
  const auto page = scrapeMetrics(adminPortOf(gate()));
  ASSERT_TRUE(page);
  EXPECT_EQ(sampleValue(*page, "httpgate_acme_orders_total{result=\"failed\"}"), 1.0) << *page;
}

TEST_F(AcmeTest, ARestartTakesTheStoredCertificateWithoutAnOrder) {
  ASSERT_NO_FATAL_FAILURE(startPebble());
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("http-01")));
  ASSERT_TRUE(gate().waitForLog(kSwapped, kOrderTimeout)) << gate().log() << pebble_->log();
  const Presented first = presented(tls_);
  gate_.reset();  // stops it
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("http-01")));
  EXPECT_EQ(presented(tls_).fingerprint, first.fingerprint) << "served from the first handshake";
  // The ACME thread has looked and found nothing to do.
  std::this_thread::sleep_for(Millis{1000});
  EXPECT_EQ(gate().countLog(kOrdering), 0u) << gate().log();
  EXPECT_EQ(gate().countLog(kSwapped), 0u) << "the stored certificate was in use from the start";
  EXPECT_EQ(pebble_->issued(), 1U);
}

// Another holder of the storage's lock (as a gate ordering on another
// machine): the gate waits and orders only once it is free.
TEST_F(AcmeTest, AGateWaitsWhileTheStorageIsLocked) {
  ASSERT_NO_FATAL_FAILURE(startPebble());
  ASSERT_EQ(::mkdir(storage_.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((storage_ + "/site.test").c_str(), 0700), 0);
  const int fd = ::open((storage_ + "/site.test/lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  ASSERT_EQ(::fcntl(fd, F_SETLK, &lock), 0);
  // The lock is per process: the gate is another one.
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("http-01")));
  ASSERT_TRUE(gate().waitForLog(std::regex("ACME: another gate is ordering the certificate for "
                                           "site\\.test, www\\.site\\.test; waiting for it"),
                                Millis{10000}))
      << gate().log();
  std::this_thread::sleep_for(Millis{3000});  // more than one look (every 2 s)
  EXPECT_EQ(gate().countLog(kOrdering), 0u) << gate().log();
  EXPECT_EQ(pebble_->issued(), 0U);
  // Meanwhile the listener serves a self-signed stand-in for the names.
  EXPECT_EQ(presented(tls_).issuer, "site.test");
  ::close(fd);  // releases the lock
  ASSERT_TRUE(gate().waitForLog(kSwapped, kOrderTimeout)) << gate().log() << pebble_->log();
  EXPECT_EQ(pebble_->issued(), 1U);
}

// The second gate (ports of its own, pebble validating the first's) starts
// while the first orders: it waits for the storage's lock, or finds the
// certificate already stored, and serves what the first obtained.
TEST_F(AcmeTest, TwoGatesSharingTheStorageOrderOnce) {
  ASSERT_NO_FATAL_FAILURE(startPebble());
  const std::string firstYaml = yaml("http-01");
  ASSERT_NO_FATAL_FAILURE(startGate(firstYaml));
  ASSERT_TRUE(gate().waitForLog(kOrdering, Millis{10000})) << gate().log();
  const uint16_t otherTls = freePortOutsideEphemeralRange();
  const uint16_t otherPlain = freePortOutsideEphemeralRange();
  std::string secondYaml = firstYaml;
  const auto replace = [&](const std::string& from, const std::string& to) {
    secondYaml.replace(secondYaml.find(from), from.size(), to);
  };
  replace("127.0.0.1:" + std::to_string(tls_), "127.0.0.1:" + std::to_string(otherTls));
  replace("127.0.0.1:" + std::to_string(plain_), "127.0.0.1:" + std::to_string(otherPlain));
  GateProcess second(dir_, secondYaml);
  ASSERT_TRUE(second.ready()) << second.startError();
  ASSERT_TRUE(gate().waitForLog(kSwapped, kOrderTimeout)) << gate().log() << pebble_->log();
  const std::string fingerprint = presented(tls_).fingerprint;
  std::string seen;
  for (int i = 0; i < 100 && seen != fingerprint; ++i) {  // at most 20 s
    seen = presented(otherTls).fingerprint;
    if (seen != fingerprint) {
      std::this_thread::sleep_for(Millis{200});
    }
  }
  EXPECT_EQ(seen, fingerprint) << second.log();
  EXPECT_EQ(second.countLog(kOrdering), 0u) << second.log();
  EXPECT_EQ(pebble_->issued(), 1U);
}

}  // namespace
}  // namespace httpgate::test
