// TLS termination: certificate choice by SNI, protocol versions, ALPN and
// session resumption.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class TlsTest : public GateTest {
 protected:
  // A gate whose TLS listener has `extraTlsLines` (e.g. protocols).
  void start(std::string_view extraTlsLines = "") {
    other_ = makeCertificate(dir_, "other", {"other.test", "alias.test"});
    const std::string yaml =
        "listen:\n" + tlsListenerYaml({cert_, other_}, "127.0.0.1:0", extraTlsLines) +
        "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) + "\n";
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
  }

  Client connect(TlsVersion version, std::string serverName = "gate.test") {
    TlsOptions options;
    options.version = version;
    options.serverName = std::move(serverName);
    return Client::tls(tlsPort(), options);
  }

  void expectRequestWorks(Client& client) {
    const HttpResponse response = client.exchange(getRequest("/hello"));
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.body, Backend::defaultBody(backend_.port(), "/hello"));
  }

  Backend backend_;
  CertificateFiles other_;
};

TEST_F(TlsTest, SniPicksTheMatchingCertificate) {
  ASSERT_NO_FATAL_FAILURE(start());
  struct Case {
    std::string serverName;
    std::string expectedCommonName;
  };
  const Case cases[] = {
      {"other.test", "other.test"},
      {"alias.test", "other.test"},  // a SAN that is not the CN
      {"gate.test", "gate.test"},
      {"nobody.test", "gate.test"},  // unknown: the first one
      {"", "gate.test"},             // no SNI: the first one
  };
  for (const Case& c : cases) {
    Client client = connect(TlsVersion::Tls13, c.serverName);
    ASSERT_TRUE(client.connected()) << c.serverName << ": " << client.error();
    EXPECT_EQ(client.tlsStream()->peerCommonName(), c.expectedCommonName)
        << "SNI \"" << c.serverName << "\"";
    expectRequestWorks(client);
  }
}

TEST_F(TlsTest, Tls12AndTls13Work) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client tls12 = connect(TlsVersion::Tls12);
  ASSERT_TRUE(tls12.connected()) << tls12.error();
  EXPECT_EQ(tls12.tlsStream()->protocolVersion(), "TLSv1.2");
  expectRequestWorks(tls12);
  Client tls13 = connect(TlsVersion::Tls13);
  ASSERT_TRUE(tls13.connected()) << tls13.error();
  EXPECT_EQ(tls13.tlsStream()->protocolVersion(), "TLSv1.3");
  expectRequestWorks(tls13);
}

TEST_F(TlsTest, Tls11IsRefused) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client tls11 = connect(TlsVersion::Tls11);
  EXPECT_FALSE(tls11.connected()) << "a TLS 1.1 handshake succeeded";
  // The refusal must come from the gate, not from a client that could not
  // even offer TLS 1.1.
  EXPECT_NE(tls11.tlsFailureReason(), SSL_R_NO_PROTOCOLS_AVAILABLE) << tls11.error();
  EXPECT_NE(tls11.tlsFailureReason(), 0) << tls11.error();
  Client fine = connect(TlsVersion::Tls13);
  ASSERT_TRUE(fine.connected()) << fine.error();
  expectRequestWorks(fine);
}

TEST_F(TlsTest, ProtocolsRestrictTheVersions) {
  ASSERT_NO_FATAL_FAILURE(start("      protocols: [TLSv1.2]\n"));
  Client tls13 = connect(TlsVersion::Tls13);
  EXPECT_FALSE(tls13.connected()) << "TLS 1.3 accepted although protocols is [TLSv1.2]";
  Client tls12 = connect(TlsVersion::Tls12);
  ASSERT_TRUE(tls12.connected()) << tls12.error();
  expectRequestWorks(tls12);
}

TEST_F(TlsTest, AlpnNegotiatesHttp11) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = connect(TlsVersion::Tls13);
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.tlsStream()->alpn(), "http/1.1");
  expectRequestWorks(client);
}

class TlsResumptionTest : public TlsTest, public ::testing::WithParamInterface<TlsVersion> {};

TEST_P(TlsResumptionTest, SessionIsResumed) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client first = connect(GetParam());
  ASSERT_TRUE(first.connected()) << first.error();
  // After a response, so that TLS 1.3 session tickets have been read.
  expectRequestWorks(first);
  TlsSession session = first.tlsStream()->session();
  ASSERT_TRUE(session);
  EXPECT_EQ(SSL_SESSION_is_resumable(session.get()), 1) << "the gate issued no usable session";

  TlsOptions options;
  options.version = GetParam();
  options.session = session;
  Client second = Client::tls(tlsPort(), options);
  ASSERT_TRUE(second.connected()) << second.error();
  EXPECT_TRUE(second.tlsStream()->sessionReused());
  expectRequestWorks(second);
}

INSTANTIATE_TEST_SUITE_P(Versions, TlsResumptionTest,
                         ::testing::Values(TlsVersion::Tls12, TlsVersion::Tls13),
                         [](const ::testing::TestParamInfo<TlsVersion>& version) {
                           return version.param == TlsVersion::Tls12 ? "Tls12" : "Tls13";
                         });

}  // namespace
}  // namespace httpgate::test
