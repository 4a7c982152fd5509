// The checks a response passes before it is stapled (ocsp_response.h):
// signed by the certificate's issuer, about this certificate, current;
// the status and the times read right; the responder URL found.
#include "gate/tls/ocsp_response.h"

#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include "tests/support/certificates.h"
#include "tests/support/ocsp_responses.h"
#include "tests/support/temp_dir.h"

namespace httpgate::gate {
namespace {

using test::CertificateAuthority;
using test::CertificateFiles;
using test::OcspResponseSpec;

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Cert = std::unique_ptr<X509, X509Free>;

class OcspResponseTest : public ::testing::Test {
 protected:
  OcspResponseTest()
      : ca_(test::makeCertificateAuthority(dir_, "ca")),
        site_(test::makeSignedCertificate(dir_, "site", {"site.test"}, ca_, {},
                                          {"http://127.0.0.1:9/ocsp", false})),
        leaf_(test::readCertificate(site_.certPath)),
        issuer_(test::readCertificate(ca_.certPath)) {}

  Result<OcspVerdict> check(const std::string& der) {
    return checkOcspResponse(der, leaf_.get(), issuer_.get(),
                             static_cast<int64_t>(std::time(nullptr)));
  }

  test::TempDir dir_;
  CertificateAuthority ca_;
  CertificateFiles site_;
  Cert leaf_;
  Cert issuer_;
};

TEST_F(OcspResponseTest, AGoodResponseFromTheIssuerPasses) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const auto verdict = check(test::makeOcspResponse(ca_, site_.certPath, ca_));
  ASSERT_TRUE(verdict.ok()) << verdict.error();
  EXPECT_EQ(verdict.value().status, OcspStatus::Good);
  EXPECT_NEAR(static_cast<double>(verdict.value().thisUpdate), static_cast<double>(now - 60), 5);
  EXPECT_NEAR(static_cast<double>(verdict.value().nextUpdate), static_cast<double>(now + 3600), 5);
}

TEST_F(OcspResponseTest, ARevokedStatusIsReadWithItsReason) {
  const auto verdict =
      check(test::makeOcspResponse(ca_, site_.certPath, ca_, OcspResponseSpec{-60, 3600, true}));
  ASSERT_TRUE(verdict.ok()) << verdict.error();
  EXPECT_EQ(verdict.value().status, OcspStatus::Revoked);
  EXPECT_NE(verdict.value().revocation.find("(keyCompromise)"), std::string::npos)
      << verdict.value().revocation;
}

TEST_F(OcspResponseTest, ASignatureByAnotherKeyIsRefused) {
  const CertificateAuthority stranger = test::makeCertificateAuthority(dir_, "stranger");
  const auto verdict = check(test::makeOcspResponse(ca_, site_.certPath, stranger));
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.error().find("signature does not verify"), std::string::npos)
      << verdict.error();
}

TEST_F(OcspResponseTest, AResponseAboutAnotherCertificateIsRefused) {
  const CertificateFiles other = test::makeSignedCertificate(dir_, "other", {"other.test"}, ca_);
  const auto verdict = check(test::makeOcspResponse(ca_, other.certPath, ca_));
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error(), "the OCSP response is not about this certificate");
}

TEST_F(OcspResponseTest, AnExpiredResponseIsRefusedEvenJustAfterItsNextUpdate) {
  for (long nextUpdate : {-3600L, -10L}) {
    const auto verdict = check(test::makeOcspResponse(
        ca_, site_.certPath, ca_, OcspResponseSpec{nextUpdate - 3600, nextUpdate}));
    ASSERT_FALSE(verdict.ok()) << nextUpdate;
    EXPECT_NE(verdict.error().find("out of date"), std::string::npos) << verdict.error();
  }
}

TEST_F(OcspResponseTest, GarbageIsNotAResponse) {
  const auto verdict = check("not DER at all");
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error(), "not an OCSP response");
}

TEST_F(OcspResponseTest, TheResponderIsTheCertificatesAiaUrl) {
  EXPECT_EQ(ocspResponderUrl(leaf_.get()), "http://127.0.0.1:9/ocsp");
  EXPECT_EQ(ocspResponderUrl(issuer_.get()), "");
  const auto request = ocspRequest(leaf_.get(), issuer_.get());
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_GT(request.value().size(), 40U);
}

}  // namespace
}  // namespace httpgate::gate
