// The deployment of "Running several gates" (httpgate(8)), built on
// loopback: Debian's HAProxy in mode tcp with send-proxy-v2 in front of two
// httpgate processes, the notes application's session processes on two
// "machines" (127.0.0.2 and 127.0.0.3, each a routes.hosts range). Checks
// what an operator relies on: the client's address arrives at the app
// intact through either gate, a session on either host is reached through
// either gate over TLS verified against the hosts' CA, a TLS session made
// through one gate resumes through the other (one ticket key file), a
// per-client limit holds across both workers of each gate, and a gate that
// dies loses no request HAProxy retries.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/app_process.h"
#include "tests/support/certificates.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_process.h"
#include "tests/support/metrics_page.h"
#include "tests/support/sockets.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

// Session ports: a block per host, below the kernel's ephemeral range and
// apart for concurrent test processes.
uint16_t portBlock(unsigned which) {
  return static_cast<uint16_t>(20000 + (::getpid() % 400) * 20 + which * 10);
}

// A free port on 127.0.0.1 for HAProxy's frontend (it binds it itself).
uint16_t freePort() {
  return freePortOutsideEphemeralRange();
}

class ScaleOutTest : public ::testing::Test {
 protected:
  struct Gate {
    TempDir dir;
    std::unique_ptr<GateProcess> process;
    uint16_t admin = 0;
    std::string accessLog;
  };

  void SetUp() override {
    ca_ = makeCertificateAuthority(balancer_, "hosts-ca");
    // One ticket key for both gates (nginx's raw form).
    std::string key(80, '\0');
    for (size_t i = 0; i < key.size(); ++i) {
      key[i] = static_cast<char>(i * 13 + static_cast<size_t>(::getpid()));
    }
    ticketKeys_ = balancer_.file("ticket.keys");
    writeFile(ticketKeys_, key);
    for (unsigned host = 0; host < 2; ++host) {
      const uint16_t first = portBlock(host);
      const std::string address = host == 0 ? "127.0.0.2" : "127.0.0.3";
      // Each session machine's own certificate, signed by the hosts' CA.
      const CertificateFiles hostCert =
          makeSignedCertificate(balancer_, "host" + std::to_string(host), {hostName(host)}, ca_);
      apps_[host] = std::make_unique<AppProcess>(
          HTTPGATE_NOTES_APP,
          std::vector<std::string>{
              "--address", address, "--port", std::to_string(first), "--session-ports",
              std::to_string(first + 1) + "-" + std::to_string(first + 9), "--check-address",
              "--tls-cert", hostCert.certPath, "--tls-key", hostCert.keyPath});
      ASSERT_TRUE(apps_[host]->ready()) << apps_[host]->log();
    }
    for (Gate& gate : gates_) {
      ASSERT_NO_FATAL_FAILURE(startGate(gate));
    }
    ASSERT_NO_FATAL_FAILURE(startBalancer());
  }

  void TearDown() override {
    if (HasFailure()) {
      for (size_t i = 0; i < 2; ++i) {
        if (gates_[i].process) {
          std::cerr << "---- gate " << i << " stderr ----\n" << gates_[i].process->log();
        }
        if (apps_[i]) {
          std::cerr << "---- app " << i << " stderr ----\n" << apps_[i]->log();
        }
      }
      if (haproxy_) {
        std::cerr << "---- haproxy ----\n" << haproxy_->err().text() << haproxy_->out().text();
      }
    }
  }

  std::string gateYaml(const Gate& gate) const {
    return "listen:\n" + tlsListenerYaml({cert_}) +
           "    proxy_protocol: true\n    proxy_from: [127.0.0.1/32]\n" +
           fillIn(R"(workers: 2
tls:
  ticket_keys: "{keys}"
routes:
  default: {a}
  hosts:
    - range: "{a}-{a9}"
      host: 127.0.0.2
      tls: {ca: "{ca}", server_name: {nameA}}
    - range: "{b}-{b9}"
      host: 127.0.0.3
      tls: {ca: "{ca}", server_name: {nameB}}
limits:
  per_client:
    requests: {rate: 1/h, burst: 3}
    exempt: [127.0.0.5/32, 127.0.0.6/32]
log:
  access: "{log}"
admin:
  listen: "127.0.0.1:0"
)",
                  {{"a", std::to_string(portBlock(0))},
                   {"a9", std::to_string(portBlock(0) + 9)},
                   {"b", std::to_string(portBlock(1))},
                   {"b9", std::to_string(portBlock(1) + 9)},
                   {"log", gate.accessLog},
                   {"keys", ticketKeys_},
                   {"ca", ca_.certPath},
                   {"nameA", hostName(0)},
                   {"nameB", hostName(1)}});
  }

  void startGate(Gate& gate) {
    gate.accessLog = gate.dir.file("access.log");
    gate.process = std::make_unique<GateProcess>(gate.dir, gateYaml(gate));
    ASSERT_TRUE(gate.process->ready()) << gate.process->startError() << gate.process->log();
    gate.admin = adminPortOf(*gate.process);
    ASSERT_NE(gate.admin, 0);
  }

  // HAProxy as the docs show it: tcp mode, PROXY v2 to the gates, health
  // checks of /healthz on their admin ports, connection retries that go to
  // the other gate.
  void startBalancer() {
    port_ = freePort();
    const std::string config = balancer_.file("haproxy.cfg");
    writeFile(config, fillIn(R"(global
  maxconn 200
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
frontend gates
  bind 127.0.0.1:{port}
  default_backend gates
backend gates
  balance roundrobin
  option httpchk GET /healthz
  server gate1 127.0.0.1:{g1} send-proxy-v2 check port {a1} inter 300ms fall 2 rise 1
  server gate2 127.0.0.1:{g2} send-proxy-v2 check port {a2} inter 300ms fall 2 rise 1
)",
                             {{"port", std::to_string(port_)},
                              {"g1", std::to_string(gates_[0].process->port(0))},
                              {"a1", std::to_string(gates_[0].admin)},
                              {"g2", std::to_string(gates_[1].process->port(0))},
                              {"a2", std::to_string(gates_[1].admin)}}));
    haproxy_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", config});
    // Ready once it answers: a TLS handshake through it reaches a gate.
    const Deadline deadline(Millis{10'000});
    while (!deadline.expired()) {
      if (Client::tls(port_).connected()) {
        return;
      }
      std::this_thread::sleep_for(Millis{50});
    }
    FAIL() << "HAProxy did not come up: " << haproxy_->err().text();
  }

  // A client of the balancer from `source`.
  Client client(const std::string& source = "127.0.0.5") const {
    TlsOptions options;
    options.source = source;
    return Client::tls(port_, options);
  }

  // Opens a session on `host` (0: 127.0.0.2 through routes.default; 1:
  // 127.0.0.3 through its port) from `source`.
  SessionUrl open(unsigned host, const std::string& source = "127.0.0.5") {
    Client c = client(source);
    EXPECT_TRUE(c.connected()) << c.error();
    const std::string path = host == 0 ? "/" : "/" + std::to_string(portBlock(1)) + "/";
    const HttpResponse response = c.exchange(getRequest(path));
    EXPECT_EQ(response.status, 303) << response.describe();
    return parseSessionUrl(response.field("Location").value_or("")).value_or(SessionUrl{});
  }

  // Access log lines of `gate` for `path` from `source`.
  size_t served(const Gate& gate, const std::string& source, const std::string& path) const {
    const std::string log = readFile(gate.accessLog).value_or("");
    const std::regex line("(^|\n)" + std::regex_replace(source, std::regex("\\."), "\\.") +
                          " [^\n]*\"GET " + path + " ");
    return static_cast<size_t>(
        std::distance(std::sregex_iterator(log.begin(), log.end(), line), std::sregex_iterator()));
  }

  static std::string hostName(unsigned host) {
    return host == 0 ? "sessions-a.test" : "sessions-b.test";
  }

  TempDir balancer_;
  CertificateAuthority ca_;
  std::string ticketKeys_;
  CertificateFiles cert_ = makeCertificate(balancer_, "gate", {"gate.test"});
  std::unique_ptr<AppProcess> apps_[2];
  Gate gates_[2];
  std::unique_ptr<ChildProcess> haproxy_;
  uint16_t port_ = 0;
};

TEST_F(ScaleOutTest, SessionsOnBothHostsThroughBothGatesKeepTheClientAddress) {
  for (unsigned host = 0; host < 2; ++host) {
    const SessionUrl url = open(host);
    ASSERT_NE(url.port, 0);
    // Successive connections alternate between the gates: four of them
    // reach the session through both, each time as 127.0.0.5, which the
    // app pinned the session to (--check-address).
    for (int i = 0; i < 4; ++i) {
      Client c = client();
      ASSERT_TRUE(c.connected()) << c.error();
      const HttpResponse page = c.exchange(getRequest(url.prefix + "/"));
      EXPECT_EQ(page.status, 200) << page.describe();
    }
    // From another address the app refuses the session: the address it
    // sees is the client's, not the balancer's or a gate's.
    Client other = client("127.0.0.6");
    EXPECT_EQ(other.exchange(getRequest(url.prefix + "/")).status, 403);
    for (const Gate& gate : gates_) {
      EXPECT_GE(served(gate, "127.0.0.5", url.prefix + "/"), 1u)
          << readFile(gate.accessLog).value_or("");
    }
  }
}

TEST_F(ScaleOutTest, TlsSessionMadeThroughOneGateResumesThroughTheOther) {
  TlsOptions options;
  options.source = "127.0.0.5";
  Client first = Client::tls(port_, options);
  ASSERT_TRUE(first.connected()) << first.error();
  EXPECT_EQ(first.exchange(getRequest("/resume-1")).status, 404);
  options.session = first.tlsStream()->session();
  first.shutdownWrite();  // close_notify: the session stays resumable
  ASSERT_TRUE(options.session);
  // Round robin: the next connection goes to the other gate.
  Client second = Client::tls(port_, options);
  ASSERT_TRUE(second.connected()) << second.error();
  EXPECT_TRUE(second.tlsStream()->sessionReused());
  EXPECT_EQ(second.exchange(getRequest("/resume-2")).status, 404);
  const Deadline deadline(Millis{3000});
  while (served(gates_[0], "127.0.0.5", "/resume-2") + served(gates_[1], "127.0.0.5", "/resume-2") <
             1 &&
         !deadline.expired()) {
    std::this_thread::sleep_for(Millis{20});
  }
  // Each gate served one of the two: the resumption crossed gates.
  for (const Gate& gate : gates_) {
    EXPECT_EQ(served(gate, "127.0.0.5", "/resume-1") + served(gate, "127.0.0.5", "/resume-2"), 1u)
        << readFile(gate.accessLog).value_or("");
  }
}

TEST_F(ScaleOutTest, PerClientLimitHoldsAcrossBothWorkersOfEachGate) {
  // Ten requests, each on a new connection: five to each gate, spread by
  // the kernel over its two workers. With one table per gate each lets
  // exactly its burst of three through.
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    Client c = client("127.0.0.7");
    ASSERT_TRUE(c.connected()) << c.error();
    const HttpResponse response = c.exchange(getRequest("/limited"));
    if (response.status == 404) {  // the app has no such page: answered by it
      ++ok;
    } else if (response.status == 429) {
      ++limited;
      EXPECT_TRUE(response.field("Retry-After").has_value()) << response.describe();
    } else {
      ADD_FAILURE() << response.describe();
    }
  }
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(limited, 4);
}

TEST_F(ScaleOutTest, KillingAGateLosesNoRequest) {
  const SessionUrl url = open(0);
  ASSERT_NE(url.port, 0);
  const size_t before = served(gates_[0], "127.0.0.5", url.prefix + "/");
  gates_[1].process->sendSignal(SIGKILL);
  ASSERT_TRUE(gates_[1].process->waitExit(Millis{5000}).has_value());
  // At once, before a health check has seen it: HAProxy's connection to
  // the dead gate is refused and retried on the live one.
  for (int i = 0; i < 10; ++i) {
    Client c = client();
    ASSERT_TRUE(c.connected()) << i << ": " << c.error();
    EXPECT_EQ(c.exchange(getRequest(url.prefix + "/")).status, 200) << i;
  }
  // All ten on the live gate (its access log is written as each ends).
  const Deadline deadline(Millis{3000});
  while (served(gates_[0], "127.0.0.5", url.prefix + "/") < before + 10 && !deadline.expired()) {
    std::this_thread::sleep_for(Millis{20});
  }
  EXPECT_EQ(served(gates_[0], "127.0.0.5", url.prefix + "/"), before + 10);
}

}  // namespace
}  // namespace httpgate::test
