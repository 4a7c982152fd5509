// OCSP stapling (issue 18) against a real responder, `openssl ocsp`, for a
// test CA made at test time, checked with `openssl s_client -status`: a good
// status is stapled in TLS 1.2 and 1.3 handshakes; a revoked certificate
// gets no staple and an error in the log; when the responder goes away the
// last good response stays stapled; `ocsp: FILE` staples a prepared
// response, re-read on HUP, and never one that has expired or is about
// another certificate; `ocsp: off` asks nobody.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/certificates.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"
#include "tests/support/ocsp_responder.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

using json = nlohmann::json;

const std::regex kStapledGood("OCSP status good, stapled until");

class OcspStaplingTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ca_ = makeCertificateAuthority(dir_, "ca");
    responderPort_ = freePortOutsideEphemeralRange();
    site_ = makeSignedCertificate(
        dir_, "site", {"site.test"}, ca_, Validity{},
        SignedOptions{"http://127.0.0.1:" + std::to_string(responderPort_) + "/", true});
  }

  // The gate with `site_` on its TLS listener, `ocsp` its ocsp key (empty:
  // none, the default), and the admin endpoint.
  std::string yaml(const std::string& ocsp) const {
    std::string listen = "listen:\n  - address: \"127.0.0.1:0\"\n    tls:\n      certificates:\n";
    listen +=
        "        - cert: \"" + site_.certPath + "\"\n          key: \"" + site_.keyPath + "\"\n";
    if (!ocsp.empty()) {
      listen += "          ocsp: \"" + ocsp + "\"\n";
    }
    return listen + plainListenerYaml() +
           "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) +
           "\nlog:\n  level: debug\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n";
  }

  json status() {
    Client client = Client::plain(adminPortOf(gate()));
    EXPECT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/status.json"));
    return json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }

  CertificateAuthority ca_;
  uint16_t responderPort_ = 0;
  CertificateFiles site_;
  Backend backend_;
};

TEST_F(OcspStaplingTest, AGoodStatusIsStapledInTls12AndTls13) {
  OcspResponder responder(dir_, ca_, responderPort_);
  responder.addGood(site_.certPath);
  responder.start();
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("")));  // auto is the default
  ASSERT_TRUE(gate().waitForLog(kStapledGood, Millis{10000})) << gate().log();

  for (bool tls12 : {false, true}) {
    const StapleSeen seen = stapleSeen(tlsPort(), "site.test", tls12);
    EXPECT_TRUE(seen.stapled) << (tls12 ? "TLS 1.2: " : "TLS 1.3: ") << seen.output;
    EXPECT_EQ(seen.certStatus, "good") << seen.output;
  }
  // HTTP still flows on a connection that got the staple.
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/")).status, 200);

  const json certificate = status()["certificates"][0];
  EXPECT_EQ(certificate["ocsp"]["mode"], "auto") << certificate.dump();
  EXPECT_EQ(certificate["ocsp"]["status"], "good");
  EXPECT_GT(certificate["ocsp"]["stapled_until"].get<int64_t>(), std::time(nullptr));
  const auto page = scrapeMetrics(adminPortOf(gate()));
  ASSERT_TRUE(page);
  EXPECT_EQ(sampleValue(*page, "httpgate_ocsp_fetches_total{result=\"good\"}"), 1.0) << *page;
  EXPECT_TRUE(sampleValue(*page, "httpgate_ocsp_stapled_until_seconds{name=\"site.test\"}"));
}

TEST_F(OcspStaplingTest, ARevokedCertificateGetsNoStapleAndAnError) {
  OcspResponder responder(dir_, ca_, responderPort_);
  responder.addRevoked(site_.certPath);
  responder.start();
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("auto")));
  ASSERT_TRUE(gate().waitForLog(std::regex(R"(\[error\] certificate .*site\.crt \(site\.test\) )"
                                           R"(is REVOKED according to its OCSP responder \()"
                                           R"(revoked at .* \(keyCompromise\)\))"),
                                Millis{10000}))
      << gate().log();
  const StapleSeen seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_FALSE(seen.stapled) << seen.output;
  EXPECT_NE(seen.output.find("no response sent"), std::string::npos) << seen.output;
  EXPECT_EQ(status()["certificates"][0]["ocsp"]["status"], "revoked");
}

// The responder's answers are valid for a minute: the gate fetches again
// after 30 s, finds the responder gone, and keeps stapling the last good
// response.
TEST_F(OcspStaplingTest, WhenTheResponderIsDownTheLastGoodResponseStays) {
  OcspResponder responder(dir_, ca_, responderPort_, /*minutes=*/1);
  responder.addGood(site_.certPath);
  responder.start();
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("auto")));
  ASSERT_TRUE(gate().waitForLog(kStapledGood, Millis{10000})) << gate().log();
  responder.stop();
  ASSERT_TRUE(gate().waitForLog(std::regex("OCSP fetch failed: .*; the last good response stays "
                                           "stapled until"),
                                Millis{45000}))
      << gate().log();
  const StapleSeen seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_TRUE(seen.stapled) << seen.output;
  EXPECT_EQ(seen.certStatus, "good") << seen.output;
  const json ocsp = status()["certificates"][0]["ocsp"];
  EXPECT_EQ(ocsp["status"], "good") << ocsp.dump();
  EXPECT_TRUE(ocsp["last_error"].is_string()) << ocsp.dump();
}

TEST_F(OcspStaplingTest, AFileIsStapledAndReadAgainOnHup) {
  OcspResponder responder(dir_, ca_, responderPort_);
  responder.addGood(site_.certPath);
  responder.start();
  const std::string file = dir_.file("site.ocsp");
  fetchOcspResponse(ca_, site_.certPath, responder.url(), file);
  responder.stop();  // FILE: the gate asks nobody
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(file)));
  ASSERT_TRUE(
      gate().waitForLog(std::regex("stapling the OCSP response .*site\\.ocsp until"), Millis{5000}))
      << gate().log();
  StapleSeen seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_TRUE(seen.stapled) << seen.output;
  EXPECT_EQ(seen.certStatus, "good");
  EXPECT_EQ(status()["certificates"][0]["ocsp"]["mode"], "file");

  // An expired response replaces it: read on HUP, refused, nothing stapled.
  writeOcspResponse(ca_, site_.certPath, -7200, -3600, file);
  size_t from = gate().logSize();
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}, from));
  EXPECT_TRUE(gate().waitForLog(std::regex("OCSP response .*site\\.ocsp not stapled: the OCSP "
                                           "response is out of date"),
                                Millis{1000}, from))
      << gate().log();
  seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_FALSE(seen.stapled) << seen.output;

  // A current one made the same way is stapled again: the refusal above was
  // for its age alone.
  writeOcspResponse(ca_, site_.certPath, -60, 3600, file);
  from = gate().logSize();
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("stapling the OCSP response"), Millis{5000}, from));
  seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_TRUE(seen.stapled) << seen.output;
}

// A response that was current when it was read is no longer stapled once
// its nextUpdate has passed, without a reload or a fetch.
TEST_F(OcspStaplingTest, AStapleIsDroppedTheMomentItExpires) {
  const std::string file = dir_.file("site.ocsp");
  writeOcspResponse(ca_, site_.certPath, -60, 4, file);
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(file)));
  ASSERT_TRUE(gate().waitForLog(std::regex("stapling the OCSP response"), Millis{5000}))
      << gate().log();
  StapleSeen seen = stapleSeen(tlsPort(), "site.test");
  ASSERT_TRUE(seen.stapled) << seen.output;
  std::this_thread::sleep_for(Millis{5000});
  seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_FALSE(seen.stapled) << seen.output;
}

TEST_F(OcspStaplingTest, AResponseAboutAnotherCertificateIsNeverStapled) {
  const CertificateFiles other = makeSignedCertificate(dir_, "other", {"other.test"}, ca_);
  const std::string file = dir_.file("other.ocsp");
  writeOcspResponse(ca_, other.certPath, -60, 3600, file);
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(file)));
  EXPECT_TRUE(gate().waitForLog(std::regex("not stapled: the OCSP response is not about this "
                                           "certificate"),
                                Millis{5000}))
      << gate().log();
  const StapleSeen seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_FALSE(seen.stapled) << seen.output;
}

TEST_F(OcspStaplingTest, OffAsksNobody) {
  OcspResponder responder(dir_, ca_, responderPort_);
  responder.addGood(site_.certPath);
  responder.start();
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("off")));
  // A handshake, then a look at what happened: nothing was fetched.
  const StapleSeen seen = stapleSeen(tlsPort(), "site.test");
  EXPECT_FALSE(seen.stapled) << seen.output;
  const auto page = scrapeMetrics(adminPortOf(gate()));
  ASSERT_TRUE(page);
  EXPECT_EQ(sampleValue(*page, "httpgate_ocsp_fetches_total{result=\"good\"}"), 0.0);
  EXPECT_EQ(sampleValue(*page, "httpgate_ocsp_fetches_total{result=\"failed\"}"), 0.0);
  EXPECT_TRUE(status()["certificates"][0]["ocsp"].is_null());
}

}  // namespace
}  // namespace httpgate::test
