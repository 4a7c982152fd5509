// Certificate expiry on the real binary, with certificates made at test
// time that expire in 5 and 365 days: the httpgate_certificate_not_after_seconds
// gauge equals each file's notAfter, the start and reload log warns about
// the 5-day one only, and `httpgate -t` prints a line per certificate
// (the listeners' and a host's client certificate), marking the soon one.
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <regex>

#include "tests/support/certificates.h"
#include "tests/support/child_process.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

constexpr long kDay = 86400;

// Whole days from now to `notAfter`, rounded down, as the gate counts them.
long daysLeftNow(long notAfter) {
  return (notAfter - static_cast<long>(::time(nullptr))) / kDay;
}

std::string isoDateOf(long time) {
  const time_t t = time;
  tm when{};
  gmtime_r(&t, &when);
  char text[32];
  strftime(text, sizeof(text), "%Y-%m-%d", &when);
  return text;
}

std::string notAfterSeries(const std::string& name) {
  return "httpgate_certificate_not_after_seconds{name=\"" + name + "\"}";
}

class CertificateExpiryTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ca_ = makeCertificateAuthority(dir_, "ca", "Expiry Test CA");
    // Five days less a minute: 4 whole days left for the whole test, whatever
    // second it starts in (exactly five days is 5 until the next second).
    soon_ = makeSignedCertificate(dir_, "soon", {"soon.test"}, ca_, Validity{-3600, 5 * kDay - 60});
    later_ = makeSignedCertificate(dir_, "later", {"later.test", "www.later.test"}, ca_,
                                   expiringInDays(365));
  }

  std::string yaml(const std::vector<CertificateFiles>& certs, std::string_view extra = "") const {
    return "listen:\n" + tlsListenerYaml(certs) + plainListenerYaml() +
           "workers: 1\nroutes:\n  default: 1\n" + std::string(extra) +
           "log:\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n";
  }

  std::regex warningFor(const CertificateFiles& cert) const {
    return std::regex("certificate " + cert.certPath + " \\(" + cert.commonName + "\\) expire");
  }

  CertificateAuthority ca_;
  CertificateFiles soon_;
  CertificateFiles later_;
};

TEST_F(CertificateExpiryTest, MetricIsTheNotAfterOfEachCertificate) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml({later_, soon_})));
  const uint16_t admin = adminPortOf(gate());
  ASSERT_NE(admin, 0);
  const auto page = scrapeMetrics(admin);
  ASSERT_TRUE(page);
  EXPECT_NE(page->find("# TYPE httpgate_certificate_not_after_seconds gauge\n"), std::string::npos)
      << *page;
  EXPECT_EQ(sampleValue(*page, notAfterSeries("soon.test")),
            static_cast<double>(certificateNotAfter(soon_.certPath)))
      << *page;
  EXPECT_EQ(sampleValue(*page, notAfterSeries("later.test")),
            static_cast<double>(certificateNotAfter(later_.certPath)))
      << *page;
  EXPECT_FALSE(sampleValue(*page, notAfterSeries("www.later.test"))) << "first name only";
}

TEST_F(CertificateExpiryTest, StartAndReloadWarnOnlyAboutTheSoonOne) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml({later_, soon_})));
  const long notAfter = certificateNotAfter(soon_.certPath);
  const std::string expected = "certificate " + soon_.certPath + " (soon.test) expires in " +
                               std::to_string(daysLeftNow(notAfter)) + " days, on " +
                               isoDateOf(notAfter);
  EXPECT_EQ(daysLeftNow(notAfter), 4) << "made 5 days less a minute ahead";
  EXPECT_NE(gate().log().find("[warning] " + expected + "\n"), std::string::npos) << gate().log();
  EXPECT_EQ(gate().countLog(warningFor(soon_)), 1u);
  EXPECT_EQ(gate().countLog(warningFor(later_)), 0u);

  // A reload that adds an expired certificate warns again, about both.
  const CertificateFiles expired =
      makeSignedCertificate(dir_, "expired", {"expired.test"}, ca_, Validity{-3 * kDay, -2 * kDay});
  const size_t from = gate().logSize();
  gate().rewriteConfig(yaml({later_, soon_, expired}));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}, from));
  ASSERT_TRUE(gate().waitForLog(
      std::regex("certificate " + expired.certPath + " \\(expired.test\\) expired 2 days ago"),
      Millis{2000}, from))
      << gate().log();
  EXPECT_EQ(gate().countLog(warningFor(soon_), from), 1u);
  EXPECT_EQ(gate().countLog(warningFor(later_), from), 0u);
  const uint16_t admin = adminPortOf(gate());
  EXPECT_EQ(waitForSample(admin, notAfterSeries("expired.test"),
                          static_cast<double>(certificateNotAfter(expired.certPath))),
            static_cast<double>(certificateNotAfter(expired.certPath)));
}

TEST_F(CertificateExpiryTest, ConfigCheckPrintsEveryCertificate) {
  const CertificateFiles client =
      makeSignedCertificate(dir_, "client", {"client.test"}, ca_, expiringInDays(90));
  const std::string hosts =
      fillIn(R"(  hosts:
    - range: "20000-20009"
      host: 127.0.0.1
      tls:
        ca: "{ca}"
        server_name: sessions.test
        cert: "{cert}"
        key: "{key}"
)",
             {{"ca", ca_.certPath}, {"cert", client.certPath}, {"key", client.keyPath}});
  const std::string path = dir_.file("check.yaml");
  writeFile(path, yaml({later_, soon_}, hosts));
  const RunResult checked = runProcess({HTTPGATE_BINARY, "-t", "-c", path}, Millis{10'000});
  ASSERT_EQ(checked.exitCode, 0) << checked.err;
  auto line = [](const CertificateFiles& cert, const std::string& names, long notAfter) {
    return "certificate " + cert.certPath + ": " + names + "; issuer Expiry Test CA; not after " +
           isoDateOf(notAfter) + " (" + std::to_string(daysLeftNow(notAfter)) + " days left)";
  };
  const long soonAfter = certificateNotAfter(soon_.certPath);
  EXPECT_NE(checked.err.find(line(soon_, "soon.test", soonAfter) + " -- EXPIRES SOON\n"),
            std::string::npos)
      << checked.err;
  EXPECT_NE(
      checked.err.find(
          line(later_, "later.test, www.later.test", certificateNotAfter(later_.certPath)) + "\n"),
      std::string::npos)
      << checked.err;
  EXPECT_NE(
      checked.err.find(line(client, "client.test", certificateNotAfter(client.certPath)) + "\n"),
      std::string::npos)
      << checked.err;
  EXPECT_NE(checked.err.find("configuration " + path + " is valid"), std::string::npos);
}

}  // namespace
}  // namespace httpgate::test
