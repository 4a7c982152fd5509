// TLS from the gate to session hosts (routes.hosts[].tls): a test CA made at
// test time signs the hosts' certificates; TLS test backends on 127.0.0.2
// record each handshake. Requests pass verified, kept-alive connections are
// pooled, a new connection resumes the host's last session; an expired
// certificate, a wrong name, a host speaking plain HTTP and a missing client
// certificate each give 502 with the reason in the log; a bad CA file is a
// configuration error at file:line:column.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

constexpr const char* kHost = "127.0.0.2";
constexpr const char* kServerName = "sessions-a.test";
constexpr Millis kConnectTimeout{1500};

// A host that speaks plain HTTP: whatever arrives gets a 400 and a close,
// as nginx or an app server answers a TLS ClientHello.
class PlainAnswerer {
 public:
  PlainAnswerer() {
    listener_ = listenTcp(kHost, 16, &port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~PlainAnswerer() {
    stopping_ = true;
    shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  void serve() {
    while (!stopping_) {
      const int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        return;
      }
      UniqueFd connection(fd);
      pollfd ready{fd, POLLIN, 0};
      if (poll(&ready, 1, 5000) == 1) {
        char bytes[4096];
        (void)recv(fd, bytes, sizeof bytes, 0);
        const std::string_view answer =
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
    }
  }

  UniqueFd listener_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class HostTlsTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ca_ = makeCertificateAuthority(dir_, "hosts-ca");
    hostCert_ = makeSignedCertificate(dir_, "host", {kServerName}, ca_);
  }

  // TLS backend options with `cert` (the host's by default).
  BackendOptions tlsBackend(const CertificateFiles* cert = nullptr) {
    BackendOptions options;
    options.host = kHost;
    options.tls.certPath = (cert ? *cert : hostCert_).certPath;
    options.tls.keyPath = (cert ? *cert : hostCert_).keyPath;
    return options;
  }

  // A routes.hosts entry for `port` on 127.0.0.2 with `tlsLines` under
  // tls: (each indented by 8), or plain when `tlsLines` is empty.
  static std::string hostRange(uint16_t port, const std::string& tlsLines) {
    const std::string p = std::to_string(port);
    std::string text = "    - range: \"" + p + "-" + p + "\"\n      host: " + kHost + "\n";
    if (!tlsLines.empty()) {
      text += "      tls:\n" + tlsLines;
    }
    return text;
  }

  std::string tlsLines(const std::string& serverName = kServerName,
                       const std::string& clientCert = "", const std::string& clientKey = "") {
    std::string text =
        "        ca: \"" + ca_.certPath + "\"\n        server_name: " + serverName + "\n";
    if (!clientCert.empty()) {
      text += "        cert: \"" + clientCert + "\"\n        key: \"" + clientKey + "\"\n";
    }
    return text;
  }

  std::string yaml(const std::string& hostEntries) {
    return standardGateYaml(cert_, local_.port(), "  hosts:\n" + hostEntries,
                            "timeouts:\n  connect: " + std::to_string(kConnectTimeout.count()) +
                                "ms\nlog:\n  level: info\n  access: \"off\"\n");
  }

  void start(const std::string& hostEntries) {
    ASSERT_NO_FATAL_FAILURE(startGate(yaml(hostEntries)));
  }

  // A 502 made by the gate for `port`, and a log line matching `reason`.
  void expectRefusedWith(uint16_t port, const std::string& reason) {
    Client client = Client::plain(plainPort());
    ASSERT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/" + std::to_string(port) + "/x"));
    EXPECT_TRUE(isGateResponse(response, 502, false)) << response.describe();
    const std::regex line("TLS to backend 127\\.0\\.0\\.2:" + std::to_string(port) + " failed: .*" +
                          reason);
    EXPECT_TRUE(gate().waitForLog(line, Millis{2000})) << "no log line with " << reason;
  }

  Backend local_;
  CertificateAuthority ca_;
  CertificateFiles hostCert_;
};

TEST_F(HostTlsTest, RequestsPassOnOnePooledConnection) {
  Backend host(nullptr, tlsBackend());
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 20; ++i) {
    const std::string path = "/" + std::to_string(host.port()) + "/page" + std::to_string(i);
    const HttpResponse response = client.exchange(getRequest(path));
    ASSERT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(response.body, Backend::defaultBody(host.port(), "/page" + std::to_string(i)));
  }
  // One TCP connection and one handshake carried all twenty.
  EXPECT_EQ(host.connectionCount(), 1U);
  EXPECT_EQ(host.tlsResumed().size(), 1U);
  EXPECT_EQ(host.requestCount(), 20U);
}

TEST_F(HostTlsTest, NewConnectionResumesTheHostsSession) {
  Backend host(nullptr, tlsBackend());
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string path = "/" + std::to_string(host.port()) + "/x";
  ASSERT_EQ(client.exchange(getRequest(path)).status, 200);
  // The host closes the pooled connection (as an idle timeout does): the
  // next request needs a new connection, which resumes.
  host.cutConnections();
  ASSERT_EQ(client.exchange(getRequest(path)).status, 200);
  ASSERT_EQ(client.exchange(getRequest(path)).status, 200);
  EXPECT_EQ(host.tlsResumed(), (std::vector<bool>{false, true}));
  EXPECT_EQ(host.connectionCount(), 2U);
}

TEST_F(HostTlsTest, ExpiredHostCertificateIs502WithTheReason) {
  const CertificateFiles expired =
      makeSignedCertificate(dir_, "expired", {kServerName}, ca_, Validity{-2 * 86400, -86400});
  Backend host(nullptr, tlsBackend(&expired));
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  ASSERT_NO_FATAL_FAILURE(expectRefusedWith(host.port(), "certificate has expired"));
  EXPECT_EQ(host.requestCount(), 0U);
}

TEST_F(HostTlsTest, CertificateForAnotherNameIs502) {
  const CertificateFiles other = makeSignedCertificate(dir_, "other", {"sessions-b.test"}, ca_);
  Backend host(nullptr, tlsBackend(&other));
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  ASSERT_NO_FATAL_FAILURE(expectRefusedWith(host.port(), "hostname mismatch"));
  EXPECT_EQ(host.requestCount(), 0U);
}

TEST_F(HostTlsTest, CertificateFromAnotherCaIs502) {
  const CertificateFiles selfSigned = makeCertificate(dir_, "self", {kServerName});
  Backend host(nullptr, tlsBackend(&selfSigned));
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  ASSERT_NO_FATAL_FAILURE(expectRefusedWith(host.port(), "certificate verification failed"));
  EXPECT_EQ(host.requestCount(), 0U);
}

TEST_F(HostTlsTest, HostSpeakingPlainHttpIs502WithoutWaiting) {
  PlainAnswerer plain;
  ASSERT_NO_FATAL_FAILURE(start(hostRange(plain.port(), tlsLines())));
  const Clock::time_point begin = Clock::now();
  ASSERT_NO_FATAL_FAILURE(expectRefusedWith(plain.port(), ""));
  EXPECT_LT(Clock::now() - begin, kConnectTimeout) << "waited for the connect timeout";
}

TEST_F(HostTlsTest, SilentPlainHostEndsAtTheConnectTimeout) {
  BackendOptions options;
  options.host = kHost;
  Backend plain(nullptr, options);  // reads the ClientHello as a head that never ends
  ASSERT_NO_FATAL_FAILURE(start(hostRange(plain.port(), tlsLines())));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response =
      client.exchange(getRequest("/" + std::to_string(plain.port()) + "/x"));
  EXPECT_TRUE(isGateResponse(response, 504, false)) << response.describe();
}

TEST_F(HostTlsTest, MutualTlsSendsTheClientCertificate) {
  const CertificateFiles gateClient =
      makeSignedCertificate(dir_, "gate-client", {"gate-a.test"}, ca_);
  BackendOptions options = tlsBackend();
  options.tls.clientCaPath = ca_.certPath;
  Backend host(nullptr, options);
  Backend other(nullptr, options);
  ASSERT_NO_FATAL_FAILURE(
      start(hostRange(host.port(), tlsLines(kServerName, gateClient.certPath, gateClient.keyPath)) +
            hostRange(other.port(), tlsLines())));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse accepted =
      client.exchange(getRequest("/" + std::to_string(host.port()) + "/x"));
  EXPECT_EQ(accepted.status, 200) << accepted.describe();
  EXPECT_EQ(host.tlsFailures(), 0U);
  // Without a client certificate the host refuses the handshake (TLS 1.3:
  // after the gate's side of it ended, so the request finds it closed).
  Client second = Client::plain(plainPort());
  ASSERT_TRUE(second.connected()) << second.error();
  const HttpResponse refused =
      second.exchange(getRequest("/" + std::to_string(other.port()) + "/x"));
  EXPECT_TRUE(isGateResponse(refused, 502, false)) << refused.describe();
  EXPECT_TRUE(other.waitForTlsFailures(1, Millis{2000}));
  EXPECT_EQ(other.requestCount(), 0U);
}

// A plain connection pooled before a reload must not carry a request that
// the new configuration sends over TLS to the same address and port.
TEST_F(HostTlsTest, PlainPooledConnectionIsNotUsedForTls) {
  BackendOptions options;
  options.host = kHost;
  Backend plain(nullptr, options);
  ASSERT_NO_FATAL_FAILURE(start(hostRange(plain.port(), "")));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string path = "/" + std::to_string(plain.port()) + "/x";
  ASSERT_EQ(client.exchange(getRequest(path)).status, 200);
  gate().rewriteConfig(yaml(hostRange(plain.port(), tlsLines())));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}));
  // The same client connection, so the same worker and its pool.
  const HttpResponse response = client.exchange(getRequest(path));
  EXPECT_TRUE(isGateResponse(response, 504, false)) << response.describe();
  // (The ClientHello may be recorded as a broken head once the gate gives up.)
  const std::vector<RecordedRequest> requests = plain.requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const RecordedRequest& r) { return r.method == "GET"; }),
            1);
}

// And a TLS connection pooled before a reload is not taken for plain TCP.
TEST_F(HostTlsTest, TlsPooledConnectionIsNotUsedForPlain) {
  Backend host(nullptr, tlsBackend());
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string path = "/" + std::to_string(host.port()) + "/x";
  ASSERT_EQ(client.exchange(getRequest(path)).status, 200);
  gate().rewriteConfig(yaml(hostRange(host.port(), "")));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), Millis{5000}));
  const HttpResponse response = client.exchange(getRequest(path));
  EXPECT_NE(response.status, 200) << response.describe();
  EXPECT_EQ(host.requestCount(), 1U);
}

TEST_F(HostTlsTest, InvalidCaFileIsAConfigurationError) {
  const std::string ca = dir_.file("not-a-ca.pem");
  writeFile(ca, "this is not a certificate\n");
  const std::string path = dir_.file("bad-ca.yaml");
  std::string entry = hostRange(40000, "        ca: \"" + ca + "\"\n        server_name: x.test\n");
  writeFile(path, yaml(entry));
  const RunResult result = runProcess({HTTPGATE_BINARY, "-t", "-c", path}, Millis{10'000});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  // The position is that of the hosts entry's tls: key.
  const std::regex message(
      std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
      R"(:[0-9]+:[0-9]+: routes\.hosts\[0\]\.tls\.ca: cannot load CA certificates from ")");
  EXPECT_TRUE(std::regex_search(result.err, message)) << result.err;
}

TEST_F(HostTlsTest, ReloadWithABadClientKeyIsRefused) {
  Backend host(nullptr, tlsBackend());
  ASSERT_NO_FATAL_FAILURE(start(hostRange(host.port(), tlsLines())));
  const std::string key = dir_.file("bad.key");
  writeFile(key, "not a key\n");
  gate().rewriteConfig(
      yaml(hostRange(host.port(), tlsLines(kServerName, hostCert_.certPath, key))));
  gate().sendSignal(SIGHUP);
  EXPECT_TRUE(gate().waitForLog(
      std::regex(R"(reload failed.*routes\.hosts\[0\]\.tls\.key: cannot load private key)"),
      Millis{5000}));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/" + std::to_string(host.port()) + "/x")).status, 200);
}

}  // namespace
}  // namespace httpgate::test
