// PicoLisp's journal replication through the gate (routes.raw_paths): the
// real bin/ssl sends "GET /<port>/!replica HTTP/1.0", then raw bytes on the
// same TLS connection, to the real lib/replica.l, whose database must then
// hold what the master wrote. Then the interactive form of bin/ssl, raw
// bytes both ways without PicoLisp on the backend side, and the requests
// that must not become a tunnel: HTTP/1.1, a framed body, another method,
// another final path segment. Their raw bytes are parsed as the next request
// (and refused), so a forged X-Pil among them never reaches a backend.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/deadline.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/raw_server.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

constexpr const char* kPil = "/usr/bin/pil";
constexpr const char* kSsl = "/usr/lib/picolisp/bin/ssl";
constexpr const char* kSetsid = "/usr/bin/setsid";

// What a forged request in the raw bytes would try to make a backend believe.
constexpr std::string_view kForgedAddress = "6.6.6.6";

// A key line, a length line and a request with a forged X-Pil: bytes that
// are raw data to a replica, and a bad request to anything parsing HTTP.
std::string rawBytesAfterHead() {
  return "replica-key-7f3a\n42\nGET /x HTTP/1.1\r\nHost: gate.test\r\nX-Pil: *Adr=" +
         std::string(kForgedAddress) + "\r\n\r\n";
}

off_t fileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

bool havePicolisp() {
  return access(kPil, X_OK) == 0 && access(kSsl, X_OK) == 0 && access(kSetsid, X_OK) == 0;
}

// bin/ssl through the gate to lib/replica.l, both as shipped by Debian's
// picolisp package.
class ReplicationTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    if (!havePicolisp()) {
      GTEST_SKIP() << kPil << " or " << kSsl << " (package picolisp) or " << kSetsid
                   << " is missing: packaging/quickstart/install-deps.sh installs it";
    }
  }

  void TearDown() override {
    stopReplica();
    GateTest::TearDown();
  }

  // Runs `argv` in the test directory to its end (at most 10 s): stdout,
  // or a test failure with its stderr.
  std::string run(const std::vector<std::string>& argv) {
    SpawnOptions options;
    options.cwd = dir_.path();
    ChildProcess child(argv, options);
    const std::optional<int> code = child.waitExit(Millis{10'000});
    EXPECT_EQ(code, 0) << argv[1] << ":\n" << child.err().text() << child.out().text();
    return child.out().text();
  }

  // Starts lib/replica.l on a free port with `replica/db` as its database.
  void startReplica() {
    { UniqueFd probe = listenTcp("127.0.0.1", 1, &replicaPort_); }
    SpawnOptions options;
    options.cwd = dir_.path();
    // PORT would override the port argument (httpGate's app starts set it).
    options.env = {"PORT="};
    // setsid: TearDown ends pil and anything it started as one group.
    replica_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kSetsid, kPil, "@lib/replica.l", std::to_string(replicaPort_),
                                 "key", "replica/journal", "replica/db", "replica-blob/"},
        options);
    const Deadline deadline(Millis{10'000});
    bool up = false;
    for (int i = 0; i < 200 && !up && !deadline.expired(); ++i) {
      up = connectTcp("127.0.0.1", replicaPort_, Millis{200}).valid();
      if (!up) {
        usleep(50'000);
      }
    }
    ASSERT_TRUE(up) << "replica.l did not listen on " << replicaPort_ << ":\n"
                    << replica_->err().text();
  }

  // lib/replica.l serves one connection after the other: once it has
  // answered a request sent after bin/ssl's connection, it is done with
  // that connection, the journal applied.
  void waitForReplicaIdle() {
    UniqueFd probe = connectTcp("127.0.0.1", replicaPort_, Millis{2000});
    ASSERT_TRUE(probe.valid());
    const std::string request = "X / HTTP/1.0\r\n\r\n";  // http.l answers 501 and closes
    ASSERT_EQ(send(probe.get(), request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    setReceiveTimeout(probe.get(), Millis{10'000});
    std::string answer;
    char buffer[512];
    for (int i = 0; i < 100; ++i) {
      const ssize_t got = recv(probe.get(), buffer, sizeof buffer, 0);
      if (got <= 0) {
        break;
      }
      answer.append(buffer, static_cast<size_t>(got));
    }
    ASSERT_NE(answer.find(" 501 "), std::string::npos) << printable(answer);
  }

  void stopReplica() {
    if (replica_) {
      kill(-replica_->pid(), SIGKILL);  // replica.l holds the database lock until it ends
      replica_->waitExit(Millis{5000});
      replica_.reset();
    }
  }

  uint16_t replicaPort_ = 0;
  std::unique_ptr<ChildProcess> replica_;
};

TEST_F(ReplicationTest, JournalReplicatesThroughTheGate) {
  for (const char* sub : {"master", "replica", "master-blob", "replica-blob"}) {
    ASSERT_EQ(mkdir(dir_.file(sub).c_str(), 0700), 0) << sub;
  }
  writeFile(dir_.file("key"), "replication-key-4b1d\n");
  // The master: a database in journal mode, one commit with twenty objects
  // and a string larger than the gate's buffers.
  writeFile(dir_.file("master.l"),
            "(pool \"master/db\" NIL \"master/journal\")\n"
            "(put *DB 'greeting \"hello replica\")\n"
            "(put *DB 'big (pack (need 40000 \"x\")))\n"
            "(for N 20\n"
            "   (put *DB (intern (pack \"obj\" N))\n"
            "      (new T NIL 'n N 'name (pack \"Object \" N)) ) )\n"
            "(commit)\n"
            "(bye)\n");
  writeFile(dir_.file("read.l"),
            "(pool (opt))\n"
            "(prinl (get *DB 'greeting))\n"
            "(prinl (length (get *DB 'big)))\n"
            "(for N 20\n"
            "   (let O (get *DB (intern (pack \"obj\" N)))\n"
            "      (prinl (get O 'n) \" \" (get O 'name)) ) )\n"
            "(bye)\n");
  run({kPil, "master.l"});
  const std::string journal = dir_.file("master/journal");
  ASSERT_GT(fileSize(journal), 40000) << "the master wrote no journal";

  ASSERT_NO_FATAL_FAILURE(startReplica());
  // bin/ssl checks the certificate unless told otherwise: one for
  // "localhost", trusted through SSL_CERT_FILE.
  const CertificateFiles localhost = makeCertificate(dir_, "localhost", {"localhost"});
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(localhost, replicaPort_)));

  // ssl host port url key journal blobDir seconds, "+" keeps it in the
  // foreground (and prints OpenSSL's errors) instead of detaching.
  SpawnOptions sslOptions;
  sslOptions.cwd = dir_.path();
  sslOptions.env = {"SSL_CERT_FILE=" + localhost.certPath};
  ChildProcess ssl(
      {kSsl, "localhost", std::to_string(tlsPort()), std::to_string(replicaPort_) + "/!replica",
       "key", "master/journal", "master-blob/", "1", "+"},
      sslOptions);
  // The journal is emptied once the replica has answered "T".
  const Deadline deadline(Millis{30'000});
  while (fileSize(journal) != 0 && !deadline.expired()) {
    usleep(50'000);
  }
  ASSERT_EQ(fileSize(journal), 0) << "the journal was not replicated; ssl:\n" << ssl.err().text();
  ASSERT_NO_FATAL_FAILURE(waitForReplicaIdle());
  stopReplica();

  std::string expected = "hello replica\n40000\n";
  for (int n = 1; n <= 20; ++n) {
    expected += std::to_string(n) + " Object " + std::to_string(n) + "\n";
  }
  EXPECT_EQ(run({kPil, "read.l", "replica/db"}), expected);
  // One request, relayed once: no retry, no second connection.
  const std::regex relayed("\"GET /" + std::to_string(replicaPort_) + "/!replica HTTP/1.0\" 200 ");
  EXPECT_EQ(gate().countLog(relayed), 1U);
}

// `ssl host port url key`: the head, then the key file's bytes, then
// whatever the backend answers is written to stdout until it closes.
TEST_F(ReplicationTest, InteractiveSslRelaysRawBytesBothWays) {
  const std::string key = rawBytesAfterHead() + patternBytes(100'000, 21);
  writeFile(dir_.file("key"), key);
  const std::string greeting = "T from the backend\n";
  RawServer backend(key.size(), greeting);
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend.port())));

  // "-PORT": bin/ssl's mode without certificate verification.
  const RunResult result =
      runProcess({kSsl, "127.0.0.1", "-" + std::to_string(tlsPort()),
                  std::to_string(backend.port()) + "/!replica", dir_.file("key")},
                 Millis{20'000});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out.size(), greeting.size() + key.size());
  EXPECT_EQ(sha256Hex(result.out), sha256Hex(greeting + key));

  ASSERT_TRUE(backend.waitForExchanges(1, Millis{5000}));
  const std::vector<RawExchange> exchanges = backend.exchanges();
  ASSERT_EQ(exchanges.size(), 1U);
  const std::string& head = exchanges[0].head;
  EXPECT_EQ(
      head.rfind("GET /!replica HTTP/1.0\r\nX-Pil: *Gate=https\r\nX-Pil: *Adr=127.0.0.1\r\n", 0),
      0U)
      << printable(head);
  EXPECT_NE(head.find("\r\nUser-Agent: PicoLisp\r\n"), std::string::npos) << printable(head);
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos) << printable(head);
  EXPECT_EQ(head.find("keep-alive"), std::string::npos) << printable(head);
  EXPECT_EQ(sha256Hex(exchanges[0].raw), sha256Hex(key));
  EXPECT_EQ(backend.connectionCount(), 1U);
}

// The gate's side of raw paths with a test client, and the requests that
// must stay HTTP.
class RawPathTest : public GateTest {
 protected:
  void start(uint16_t defaultPort, std::string_view routesLines = "") {
    ASSERT_NO_FATAL_FAILURE(
        startGate(standardGateYaml(cert_, defaultPort, routesLines, "timeouts:\n  connect: 1s\n")));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  // Sends `head` and rawBytesAfterHead() in one write; expects one answer
  // from backend_ (parsed as HTTP, the connection then closed by the gate)
  // and none of the raw bytes at the backend.
  void expectProxiedNotTunnelled(const std::string& head) {
    ASSERT_TRUE(client_.send(head + rawBytesAfterHead()));
    const HttpResponse response = client_.readResponse();
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.status, 200) << response.describe();
    EXPECT_TRUE(client_.waitClosed());
    ASSERT_EQ(backend_.requestCount(), 1U);
    EXPECT_EQ(backend_.requests()[0].field("Connection"), "keep-alive");
    const std::string received = backend_.receivedBytes();
    EXPECT_EQ(received.find("replica-key"), std::string::npos) << printable(received);
    EXPECT_EQ(received.find(kForgedAddress), std::string::npos) << printable(received);
  }

  std::string path(uint16_t port, std::string_view rest) {
    return "/" + std::to_string(port) + std::string(rest);
  }

  Backend backend_;
  Client client_;
};

TEST_F(RawPathTest, RawBytesPassBothWaysAfterAnHttp10Head) {
  const std::string raw = rawBytesAfterHead() + patternBytes(50'000, 5);
  RawServer backend(raw.size(), "T");
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  ASSERT_TRUE(client_.send(
      "GET " + path(backend.port(), "/!replica") + " HTTP/1.0\r\nHost: gate.test\r\nX-Pil: *Adr=" +
      std::string(kForgedAddress) + "\r\nConnection: keep-alive\r\n\r\n" + raw));
  const std::string answer = client_.readBytes(1 + raw.size());
  EXPECT_EQ(answer.substr(0, 1), "T");
  EXPECT_EQ(sha256Hex(answer.substr(std::min<size_t>(1, answer.size()))), sha256Hex(raw));
  EXPECT_TRUE(client_.waitClosed());
  ASSERT_TRUE(backend.waitForExchanges(1, Millis{5000}));
  const RawExchange exchange = backend.exchanges().at(0);
  // The head as for any request (the client's X-Pil replaced), but told to close.
  EXPECT_EQ(exchange.head.rfind("GET /!replica HTTP/1.0\r\nX-Pil: *Gate=https\r\n", 0), 0U)
      << printable(exchange.head);
  EXPECT_EQ(exchange.head.find(std::string("*Adr=") + std::string(kForgedAddress)),
            std::string::npos)
      << printable(exchange.head);
  EXPECT_NE(exchange.head.find("\r\nConnection: close\r\n"), std::string::npos)
      << printable(exchange.head);
  EXPECT_EQ(exchange.head.find("keep-alive"), std::string::npos) << printable(exchange.head);
  EXPECT_EQ(sha256Hex(exchange.raw), sha256Hex(raw));
  EXPECT_EQ(backend.connectionCount(), 1U);
}

TEST_F(RawPathTest, PostIsTunnelledToo) {
  const std::string raw = rawBytesAfterHead();
  RawServer backend(raw.size(), "T");
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  ASSERT_TRUE(
      client_.send("POST " + path(backend.port(), "/!replica?x=1") + " HTTP/1.0\r\n\r\n" + raw));
  EXPECT_EQ(client_.readBytes(1 + raw.size()), "T" + raw);
  EXPECT_TRUE(client_.waitClosed());
  ASSERT_TRUE(backend.waitForExchanges(1, Millis{5000}));
  EXPECT_EQ(backend.exchanges().at(0).head.rfind("POST /!replica?x=1 HTTP/1.0\r\n", 0), 0U);
}

// A backend that closes at once: the head is not sent again on a new
// connection (the raw bytes behind it may have been read), and the client
// sees the close, not a made-up answer.
TEST_F(RawPathTest, BackendThatClosesIsNotRetried) {
  RawServer backend(0, "");
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  ASSERT_TRUE(client_.send("GET " + path(backend.port(), "/!replica") + " HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(client_.waitClosed());
  EXPECT_EQ(client_.unread(), "");  // a retry would have ended in a 502 first
  EXPECT_EQ(backend.connectionCount(), 1U);
}

// A keep-alive request leaves a backend connection in the worker's pool; the
// raw request that follows on the same client connection (so on the same
// worker) must not take it: it gets a connection of its own, and the
// backend's answer comes back as it was sent.
TEST_F(RawPathTest, TunnelTakesNoPooledConnection) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  const HttpResponse first = client_.exchange(getRequest(pathTo(backend_, "/x")));
  ASSERT_TRUE(first.complete) << first.describe();
  EXPECT_EQ(first.status, 200);
  ASSERT_TRUE(client_.send("GET " + pathTo(backend_, "/!replica") + " HTTP/1.0\r\n\r\n"));
  const HttpResponse raw = client_.readResponse();
  ASSERT_TRUE(raw.complete) << raw.describe();
  EXPECT_EQ(raw.body, Backend::defaultBody(backend_.port(), "/!replica"));
  EXPECT_TRUE(client_.waitClosed());
  EXPECT_EQ(backend_.connectionCount(), 2U);
  ASSERT_EQ(backend_.requestCount(), 2U);
  EXPECT_EQ(backend_.requests()[1].field("Connection"), "close");
}

// Nothing has been relayed when the connect fails: the usual 502, and the
// raw bytes behind the head are never read as a request, even when the
// client asked for keep-alive.
TEST_F(RawPathTest, RefusedBackendIs502AndTheRawBytesAreDropped) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  ASSERT_TRUE(client_.send("GET " + path(refusingPort(), "/!replica") +
                           " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + rawBytesAfterHead()));
  const HttpResponse response = client_.readResponse();
  EXPECT_TRUE(isGateResponse(response, 502, true)) << response.describe();
  EXPECT_TRUE(client_.waitClosed());
  EXPECT_EQ(client_.unread(), "");
}

// HTTP/1.1: the raw bytes are the next request, a bad one (400), and the
// forged X-Pil behind them never reaches the backend.
TEST_F(RawPathTest, Http11HeadIsNotTunnelled) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  ASSERT_TRUE(client_.send(getRequest(pathTo(backend_, "/!replica")) + rawBytesAfterHead()));
  const HttpResponse first = client_.readResponse();
  ASSERT_TRUE(first.complete) << first.describe();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, Backend::defaultBody(backend_.port(), "/!replica"));
  EXPECT_TRUE(isGateResponse(client_.readResponse(), 400, true));
  EXPECT_TRUE(client_.waitClosed());
  ASSERT_EQ(backend_.requestCount(), 1U);
  const std::string received = backend_.receivedBytes();
  EXPECT_EQ(received.find("replica-key"), std::string::npos) << printable(received);
  EXPECT_EQ(received.find(kForgedAddress), std::string::npos) << printable(received);
}

TEST_F(RawPathTest, RequestWithABodyIsNotTunnelled) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  expectProxiedNotTunnelled("POST " + pathTo(backend_, "/!replica") +
                            " HTTP/1.0\r\nContent-Length: 4\r\n\r\nbody");
  EXPECT_EQ(backend_.requests().at(0).body, "body");
}

TEST_F(RawPathTest, EmptyBodyLengthIsNotTunnelled) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  expectProxiedNotTunnelled("POST " + pathTo(backend_, "/!replica") +
                            " HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
}

TEST_F(RawPathTest, ChunkedHttp10IsRefused) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  ASSERT_TRUE(client_.send("POST " + pathTo(backend_, "/!replica") +
                           " HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           rawBytesAfterHead()));
  EXPECT_TRUE(isGateResponse(client_.readResponse(), 400, true));
  EXPECT_TRUE(client_.waitClosed());
  EXPECT_EQ(backend_.connectionCount(), 0U);
}

TEST_F(RawPathTest, OtherMethodsAreNotTunnelled) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  expectProxiedNotTunnelled("PUT " + pathTo(backend_, "/!replica") + " HTTP/1.0\r\n\r\n");
}

TEST_F(RawPathTest, OtherFinalSegmentsAreNotTunnelled) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port()));
  size_t requests = 0;
  for (const char* rest : {"/!replica/", "/!replica/x", "/x!replica", "/!replicas", "/%21replica",
                           "/!replica2?x=/!replica"}) {
    SCOPED_TRACE(rest);
    Client client = Client::tls(tlsPort());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(
        client.send("GET " + pathTo(backend_, rest) + " HTTP/1.0\r\n\r\n" + rawBytesAfterHead()));
    const HttpResponse response = client.readResponse();
    ASSERT_TRUE(response.complete) << response.describe();
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(client.waitClosed());
    EXPECT_EQ(backend_.requestCount(), ++requests);
  }
  EXPECT_EQ(backend_.receivedBytes().find("replica-key"), std::string::npos);
}

TEST_F(RawPathTest, OnlyTheConfiguredSegments) {
  ASSERT_NO_FATAL_FAILURE(start(backend_.port(), "  raw_paths: [\"!sync\"]\n"));
  expectProxiedNotTunnelled("GET " + pathTo(backend_, "/!replica") + " HTTP/1.0\r\n\r\n");

  const std::string raw = rawBytesAfterHead();
  RawServer backend(raw.size(), "T");
  client_ = Client::tls(tlsPort());
  ASSERT_TRUE(client_.connected()) << client_.error();
  ASSERT_TRUE(client_.send("GET " + path(backend.port(), "/!sync") + " HTTP/1.0\r\n\r\n" + raw));
  EXPECT_EQ(client_.readBytes(1 + raw.size()), "T" + raw);
}

}  // namespace
}  // namespace httpgate::test
