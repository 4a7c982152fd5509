// Per-client limits (limits.per_client) and listen[].max_connections on the
// real binary with two workers: a client's connections are counted across
// both workers and the one over the limit is closed at accept, another
// address (127.0.0.2) and an exempt one are not affected, a client's
// requests past the burst get 429 with Retry-After from the gate itself on
// a connection that stays open (HTTP/1.1 keep-alive and HTTP/2), pass again
// once the bucket refilled, a listener refuses past its max_connections,
// a reload applies new limits to counts it keeps, and /metrics counts it.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <regex>
#include <thread>
#include <vector>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/h2_client.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

const std::string kClientConnections = "httpgate_limited_total{limit=\"client_connections\"}";
const std::string kClientRequests = "httpgate_limited_total{limit=\"client_requests\"}";
const std::string kListenerConnections = "httpgate_limited_total{limit=\"listener_connections\"}";

class ClientLimitsTest : public GateTest {
 protected:
  // A TLS listener (0) and a plain one (1) with `plainLines` under it, two
  // workers, `perClient` under limits.per_client (each line indented by 4).
  std::string yaml(std::string_view perClient, std::string_view plainLines = "") const {
    std::string text =
        "listen:\n" + tlsListenerYaml({cert_}) + plainListenerYaml() + std::string(plainLines) +
        "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) +
        "\nlog:\n  access: \"" + dir_.file("access.log") + "\"\nadmin:\n  listen: 127.0.0.1:0\n";
    if (!perClient.empty()) {
      text += "limits:\n  per_client:\n" + std::string(perClient);
    }
    return text;
  }

  void start(std::string_view perClient, std::string_view plainLines = "") {
    ASSERT_NO_FATAL_FAILURE(startGate(yaml(perClient, plainLines)));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0) << "no \"admin listening on\" line";
  }

  void reload(const std::string& text) {
    const size_t from = gate().logSize();
    gate().rewriteConfig(text);
    gate().sendSignal(SIGHUP);
    ASSERT_TRUE(gate().waitForLog(std::regex("configuration reloaded"), kIoTimeout, from))
        << gate().log();
  }

  // A new plain connection from `source` that carried one request answered
  // 200 (so the gate has accepted and counted it).
  Client served(const std::string& source = "127.0.0.1") {
    Client client = Client::plain(plainPort(), "127.0.0.1", source);
    EXPECT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/"));
    EXPECT_EQ(response.status, 200) << response.describe();
    return client;
  }

  // Whether a new connection from `source` is closed by the gate without a
  // byte, rather than served.
  ::testing::AssertionResult refused(const std::string& source = "127.0.0.1") {
    Client client = Client::plain(plainPort(), "127.0.0.1", source);
    if (!client.connected()) {
      return ::testing::AssertionFailure() << "connect: " << client.error();
    }
    if (!client.waitClosed()) {
      return ::testing::AssertionFailure() << "the connection stayed open";
    }
    if (!client.unread().empty()) {
      return ::testing::AssertionFailure() << "bytes before the close: " << client.unread();
    }
    return ::testing::AssertionSuccess();
  }

  // A new TLS connection that carried a request answered 200, polled for
  // (bounded) like admittedSoon(); not connected() if none was.
  Client tlsAdmittedSoon() {
    for (int i = 0; i < 50; ++i) {
      Client client = Client::tls(tlsPort());
      if (client.connected() && client.exchange(getRequest("/")).status == 200) {
        return client;
      }
      std::this_thread::sleep_for(Millis{100});
    }
    return Client();
  }

  // Polls (bounded) until a new connection from `source` is served: the
  // gate gives a count back when it sees the close, a moment after it.
  bool admittedSoon(const std::string& source = "127.0.0.1") {
    for (int i = 0; i < 50; ++i) {
      Client client = Client::plain(plainPort(), "127.0.0.1", source);
      if (client.connected() && client.exchange(getRequest("/")).status == 200) {
        return true;
      }
      std::this_thread::sleep_for(Millis{100});
    }
    return false;
  }

  // Whether the access log has a line with `line`, polled (3 s at most:
  // a file gives no event to wait on).
  bool accessLogHas(const std::regex& line) {
    const Deadline deadline(Millis{3000});
    while (true) {
      if (std::regex_search(readFile(dir_.file("access.log")).value_or(""), line)) {
        return true;
      }
      if (deadline.expired()) {
        return false;
      }
      std::this_thread::sleep_for(Millis{10});
    }
  }

  void expectSample(const std::string& series, double expected) {
    const std::optional<double> value = waitForSample(adminPort_, series, expected);
    ASSERT_TRUE(value) << "no sample " << series;
    EXPECT_EQ(*value, expected) << series;
  }

  Backend backend_;
  uint16_t adminPort_ = 0;
};

// Eight connections are spread over the two workers by the kernel (all on
// one worker: one chance in 128); the limit holds for their sum.
TEST_F(ClientLimitsTest, ConnectionLimitHoldsAcrossWorkers) {
  ASSERT_NO_FATAL_FAILURE(start("    connections: 8\n"));
  std::vector<Client> open;
  for (int i = 0; i < 8; ++i) {
    open.push_back(served());
  }
  EXPECT_TRUE(refused());
  expectSample(kClientConnections, 1);
  // Another address has its own count.
  Client other = served("127.0.0.2");
  // The open ones go on serving.
  EXPECT_EQ(open[3].exchange(getRequest("/")).status, 200);
  // One closes: its count is given back, and a new one is admitted.
  open.erase(open.begin());
  EXPECT_TRUE(admittedSoon());
  EXPECT_TRUE(gate().waitForLog(
      std::regex("limits.per_client.connections \\(8\\) reached by 127.0.0.1"), kIoTimeout));
}

// A TLS connection holds its count through the handshake and the protocol
// it hands over to (HTTP/1.1 or HTTP/2), and gives it back once, at its
// end: a count given back twice would admit a third connection, one never
// given back would keep the next round out.
TEST_F(ClientLimitsTest, TlsConnectionsCountOnceThroughTheHandover) {
  ASSERT_NO_FATAL_FAILURE(start("    connections: 2\n"));
  for (int round = 0; round < 3; ++round) {
    std::vector<Client> open;
    for (int i = 0; i < 2; ++i) {
      open.push_back(tlsAdmittedSoon());
      ASSERT_TRUE(open.back().connected()) << "round " << round;
    }
    Client third = Client::tls(tlsPort());
    EXPECT_FALSE(third.connected()) << "round " << round;
  }
  std::vector<std::unique_ptr<H2Client>> h2;
  for (int i = 0; i < 2; ++i) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto client = std::make_unique<H2Client>(tlsPort());
      const int32_t id = client->connected() ? client->get("/") : -1;
      if (id > 0 && client->waitClosed(id) && client->stream(id).status == 200) {
        h2.push_back(std::move(client));
        break;
      }
      std::this_thread::sleep_for(Millis{100});
    }
  }
  ASSERT_EQ(h2.size(), 2u);
  EXPECT_TRUE(refused());
  h2.clear();
  EXPECT_TRUE(admittedSoon());
}

TEST_F(ClientLimitsTest, ExemptAddressIsNotLimited) {
  ASSERT_NO_FATAL_FAILURE(
      start("    connections: 1\n    requests: {rate: 1/m, burst: 1}\n    exempt: [127.0.0.2]\n"));
  std::vector<Client> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(served("127.0.0.2"));
    EXPECT_EQ(open.back().exchange(getRequest("/")).status, 200);
  }
  Client one = served();
  EXPECT_TRUE(refused());
  EXPECT_EQ(one.exchange(getRequest("/")).status, 429);
}

TEST_F(ClientLimitsTest, RequestsPastTheBurstGet429OverKeepAlive) {
  ASSERT_NO_FATAL_FAILURE(start("    requests: {rate: 1/m, burst: 3}\n"));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client.exchange(getRequest("/")).status, 200) << i;
  }
  const HttpResponse limited = client.exchange(getRequest("/"));
  // Made by the gate, keeping the connection open.
  EXPECT_EQ(limited.status, 429) << limited.describe();
  EXPECT_EQ(limited.field("Server"), "httpgate");
  EXPECT_FALSE(limited.announcesClose());
  // An empty bucket at 1 per minute: a token in at most 60 s.
  const std::string retry = limited.field("Retry-After").value_or("");
  ASSERT_TRUE(std::regex_match(retry, std::regex("[1-9][0-9]*"))) << limited.describe();
  EXPECT_LE(std::stoi(retry), 60);
  EXPECT_GE(std::stoi(retry), 30);
  // The connection stays open, and the backend saw only the three.
  EXPECT_EQ(client.exchange(getRequest("/")).status, 429);
  EXPECT_EQ(backend_.requestCount(), 3u);
  // Another client has its own bucket.
  served("127.0.0.2");
  expectSample(kClientRequests, 2);
  EXPECT_TRUE(accessLogHas(std::regex("\"GET / HTTP/1\\.1\" 429 ")));
}

TEST_F(ClientLimitsTest, RequestsPastTheBurstGet429OverHttp2) {
  ASSERT_NO_FATAL_FAILURE(start("    requests: {rate: 1/m, burst: 3}\n"));
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 3; ++i) {
    const int32_t id = client.get("/");
    ASSERT_TRUE(client.waitClosed(id));
    ASSERT_EQ(client.stream(id).status, 200) << i;
  }
  const int32_t limited = client.get("/");
  ASSERT_TRUE(client.waitClosed(limited));
  EXPECT_EQ(client.stream(limited).status, 429);
  const std::string retry = client.stream(limited).header("retry-after");
  ASSERT_TRUE(std::regex_match(retry, std::regex("[1-9][0-9]*"))) << retry;
  EXPECT_LE(std::stoi(retry), 60);
  // The connection goes on: another stream, another 429.
  const int32_t again = client.get("/");
  ASSERT_TRUE(client.waitClosed(again));
  EXPECT_EQ(client.stream(again).status, 429);
  EXPECT_FALSE(client.goawayReceived());
  EXPECT_EQ(backend_.requestCount(), 3u);
  expectSample(kClientRequests, 2);
}

TEST_F(ClientLimitsTest, RequestsPassAgainOnceTheBucketRefilled) {
  ASSERT_NO_FATAL_FAILURE(start("    requests: {rate: 2/s, burst: 2}\n"));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected()) << client.error();
  int status = 0;
  for (int i = 0; i < 20 && status != 429; ++i) {
    status = client.exchange(getRequest("/")).status;
  }
  ASSERT_EQ(status, 429);
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(Millis{100});
    status = client.exchange(getRequest("/")).status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ClientLimitsTest, ListenerMaxConnections) {
  ASSERT_NO_FATAL_FAILURE(start("", "    max_connections: 2\n"));
  std::vector<Client> open;
  open.push_back(served());
  open.push_back(served("127.0.0.2"));
  EXPECT_TRUE(refused("127.0.0.3"));
  expectSample(kListenerConnections, 1);
  // The other listener has no such limit.
  Client tls = Client::tls(tlsPort());
  ASSERT_TRUE(tls.connected()) << tls.error();
  EXPECT_EQ(tls.exchange(getRequest("/")).status, 200);
  open.pop_back();
  EXPECT_TRUE(admittedSoon("127.0.0.3"));
}

// The client table and the listeners' counts outlive the configuration: a
// lowered limit closes nothing open, refuses new connections, and counts
// the ones opened before it.
TEST_F(ClientLimitsTest, AReloadKeepsTheCountsAndAppliesNewLimits) {
  ASSERT_NO_FATAL_FAILURE(start("    connections: 3\n"));
  std::vector<Client> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(served());
  }
  ASSERT_NO_FATAL_FAILURE(reload(yaml("    connections: 1\n", "    max_connections: 4\n")));
  // Nothing open is closed; the client has three, the limit is one now.
  for (Client& client : open) {
    EXPECT_EQ(client.exchange(getRequest("/")).status, 200);
  }
  EXPECT_TRUE(refused());
  // The listener counted the three opened before its limit: one more fits.
  Client fourth = served("127.0.0.2");
  EXPECT_TRUE(refused("127.0.0.3"));
  expectSample(kClientConnections, 1);
  expectSample(kListenerConnections, 1);
  open.clear();
  EXPECT_TRUE(admittedSoon());
}

}  // namespace
}  // namespace httpgate::test
