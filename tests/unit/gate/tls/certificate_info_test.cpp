// certificate_info: the facts read from certificates made at test time
// (names, issuer, notAfter), whole days left, the log warning and the -t
// line at and around the 14-day mark.
#include "gate/tls/certificate_info.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/certificates.h"
#include "tests/support/temp_dir.h"

namespace httpgate::gate {
namespace {

using test::CertificateAuthority;
using test::TempDir;

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

constexpr time_t kDay = 86400;

CertificateInfo infoOf(const std::string& path) {
  CertPtr cert(test::readCertificate(path));
  EXPECT_TRUE(cert) << path;
  return cert ? describeCertificate(cert.get(), path) : CertificateInfo{};
}

TEST(CertificateInfo, ReadsNamesIssuerAndNotAfter) {
  TempDir dir;
  const CertificateAuthority ca = test::makeCertificateAuthority(dir, "ca", "Test Issuing CA");
  const auto files = test::makeSignedCertificate(dir, "site", {"Example.ORG", "www.example.org"},
                                                 ca, test::expiringInDays(30));
  const CertificateInfo info = infoOf(files.certPath);
  EXPECT_EQ(info.file, files.certPath);
  EXPECT_EQ(info.names, (std::vector<std::string>{"example.org", "www.example.org"}));
  EXPECT_EQ(info.label(), "example.org");
  EXPECT_EQ(info.issuer, "Test Issuing CA");
  EXPECT_EQ(info.notAfter, test::certificateNotAfter(files.certPath));
  const time_t now = ::time(nullptr);
  EXPECT_GE(info.notAfter, now + 30 * kDay - 60);
  EXPECT_LE(info.notAfter, now + 30 * kDay);
}

TEST(CertificateInfo, SelfSignedIsItsOwnIssuer) {
  TempDir dir;
  const auto files = test::makeCertificate(dir, "self", {"gate.test"});
  const CertificateInfo info = infoOf(files.certPath);
  EXPECT_EQ(info.names, std::vector<std::string>{"gate.test"});
  EXPECT_EQ(info.issuer, "gate.test");
}

TEST(CertificateInfo, LabelFallsBackToTheFile) {
  CertificateInfo info;
  info.file = "/etc/x.pem";
  EXPECT_EQ(info.label(), "/etc/x.pem");
}

TEST(CertificateInfo, DaysLeftRoundDown) {
  const time_t now = 1'700'000'000;
  EXPECT_EQ(daysLeft(now + 5 * kDay, now), 5);
  EXPECT_EQ(daysLeft(now + 5 * kDay - 1, now), 4);
  EXPECT_EQ(daysLeft(now + 1, now), 0);
  EXPECT_EQ(daysLeft(now, now), 0);
  EXPECT_EQ(daysLeft(now - 1, now), -1);
  EXPECT_EQ(daysLeft(now - kDay, now), -1);
  EXPECT_EQ(daysLeft(now - kDay - 1, now), -2);
}

TEST(CertificateInfo, IsoDateIsUtc) {
  EXPECT_EQ(isoDate(0), "1970-01-01");
  EXPECT_EQ(isoDate(1'700'000'000), "2023-11-14");
}

CertificateInfo sample(time_t notAfter) {
  return CertificateInfo{"/tls/a.pem", {"a.example", "b.example"}, "R3", notAfter, nullptr};
}

TEST(CertificateInfo, WarningOnlyUnderFourteenDays) {
  const time_t now = 1'700'000'000;
  EXPECT_EQ(expiryWarning(sample(now + 14 * kDay), now), "");
  EXPECT_EQ(expiryWarning(sample(now + 365 * kDay), now), "");
  EXPECT_EQ(expiryWarning(sample(now + 14 * kDay - 1), now),
            "certificate /tls/a.pem (a.example) expires in 13 days, on 2023-11-28");
  EXPECT_EQ(expiryWarning(sample(now + 5 * kDay), now),
            "certificate /tls/a.pem (a.example) expires in 5 days, on 2023-11-19");
  EXPECT_EQ(expiryWarning(sample(now - 3 * kDay), now),
            "certificate /tls/a.pem (a.example) expired 3 days ago, on 2023-11-11");
  EXPECT_EQ(expiryWarning(sample(now), now),
            "certificate /tls/a.pem (a.example) expired 0 days ago, on 2023-11-14");
}

TEST(CertificateInfo, CheckLineMarksTheSoonAndTheExpired) {
  const time_t now = 1'700'000'000;
  EXPECT_EQ(certificateCheckLine(sample(now + 90 * kDay), now),
            "certificate /tls/a.pem: a.example, b.example; issuer R3; not after 2024-02-12 "
            "(90 days left)");
  EXPECT_EQ(certificateCheckLine(sample(now + 13 * kDay), now),
            "certificate /tls/a.pem: a.example, b.example; issuer R3; not after 2023-11-27 "
            "(13 days left) -- EXPIRES SOON");
  EXPECT_EQ(certificateCheckLine(sample(now - 2 * kDay), now),
            "certificate /tls/a.pem: a.example, b.example; issuer R3; not after 2023-11-12 "
            "(expired 2 days ago) -- EXPIRED");
}

TEST(CertificateRegistry, PublishesTheNewestList) {
  CertificateRegistry registry;
  EXPECT_EQ(registry.current(), nullptr);
  auto list = std::make_shared<const CertificateList>(CertificateList{sample(1)});
  registry.publish(list);
  EXPECT_EQ(registry.current(), list);
}

}  // namespace
}  // namespace httpgate::gate
