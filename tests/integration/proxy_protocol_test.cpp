// PROXY protocol on a listener (listen[].proxy_protocol): the header a
// balancer sends before TLS or HTTP names the client, and that address is
// the one the app, the forwarded fields and the access log see. Sources
// outside proxy_from are refused; a malformed, truncated or late header
// closes the connection; each is counted in /metrics.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/bytes.h"
#include "tests/support/client.h"
#include "tests/support/expected_head.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

const char* const kV2Signature = "\r\n\r\n\0\r\nQUIT\n";

// A version 2 header: PROXY over TCP4 from 192.0.2.7:5555 to 198.51.100.1:443,
// or LOCAL, with `tlv` appended to the address block.
std::string v2Header(bool local, std::string_view tlv = "") {
  std::string header(kV2Signature, 12);
  header.push_back(static_cast<char>(local ? 0x20 : 0x21));
  header.push_back(static_cast<char>(0x11));  // TCP over IPv4
  const size_t length = 12 + tlv.size();
  header.push_back(static_cast<char>(length >> 8));
  header.push_back(static_cast<char>(length & 0xff));
  header += std::string("\xc0\x00\x02\x07\xc6\x33\x64\x01\x15\xb3\x01\xbb", 12);
  header += tlv;
  return header;
}

// The same over TCP6 from 2001:db8::7.
std::string v2Header6() {
  std::string header(kV2Signature, 12);
  header += std::string("\x21\x21\x00\x24", 4);
  std::string source(16, '\0');
  source[0] = '\x20';
  source[1] = '\x01';
  source[2] = '\x0d';
  source[3] = '\xb8';
  source[15] = '\x07';
  header += source;
  header += std::string(15, '\0') + "\x01";  // to ::1
  header += std::string("\x15\xb3\x01\xbb", 4);
  return header;
}

class ProxyHeaderTest : public GateTest {
 protected:
  // A TLS and a plain listener, both with proxy_protocol from `from`.
  void start(std::string_view from = "[127.0.0.1/32, \"::1\"]", std::string_view topLevel = "") {
    logPath_ = dir_.file("access.log");
    const std::string proxy =
        "    proxy_protocol: true\n    proxy_from: " + std::string(from) + "\n";
    const std::string yaml =
        "listen:\n" + tlsListenerYaml({cert_}) + proxy + plainListenerYaml() + proxy +
        fillIn(R"(workers: 2
routes:
  default: {port}
log:
  access: "{log}"
admin:
  listen: "127.0.0.1:0"
timeouts:
  handshake: 1s
)",
               {{"port", std::to_string(backend_.port())}, {"log", logPath_}}) +
        std::string(topLevel);
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0);
  }

  // The head the backend received for one GET /p on `client`.
  std::string forward(Client& client) {
    const size_t before = backend_.requestCount();
    const HttpResponse response = client.exchange(getRequest("/p", "", "example.org"));
    EXPECT_EQ(response.status, 200) << response.describe();
    if (backend_.requestCount() != before + 1) {
      ADD_FAILURE() << "the backend did not get exactly one request";
      return {};
    }
    return backend_.requests().back().head;
  }

  double failures(std::string_view reason) {
    return waitForSample(
               adminPort_,
               "httpgate_proxy_header_failures_total{reason=\"" + std::string(reason) + "\"}", 1)
        .value_or(-1);
  }

  Backend backend_;
  std::string logPath_;
  uint16_t adminPort_ = 0;
};

TEST_F(ProxyHeaderTest, V1HeaderNamesTheClientOnAPlainListener) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.send("PROXY TCP4 203.0.113.7 198.51.100.1 40000 80\r\n"));
  const std::string head = forward(client);
  Forwarding forwarding;
  forwarding.scheme = "http";
  forwarding.address = forwarding.forwardedFor = "203.0.113.7";
  EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
      << printable(head);
  // A second request on the same connection keeps the address.
  EXPECT_EQ(forward(client), head);
  EXPECT_EQ(waitForSample(adminPort_, "httpgate_proxy_headers_total{address=\"client\"}", 1), 1);
}

TEST_F(ProxyHeaderTest, V2HeaderBeforeTlsNamesTheClient) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (TlsVersion version : {TlsVersion::Tls12, TlsVersion::Tls13}) {
    TlsOptions options;
    options.version = version;
    // TLVs are walked and ignored: an ALPN and an authority TLV.
    options.prelude = v2Header(false, std::string("\x01\x00\x02h2\x02\x00\x03"
                                                  "a.b",
                                                  11));
    Client client = Client::tls(tlsPort(), options);
    ASSERT_TRUE(client.connected()) << client.error();
    const std::string head = forward(client);
    Forwarding forwarding;
    forwarding.cipher = client.tlsStream()->cipherName();
    forwarding.address = forwarding.forwardedFor = "192.0.2.7";
    EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
        << printable(head);
  }
}

TEST_F(ProxyHeaderTest, V2Tcp6AddressIsBracketedInForwarded) {
  ASSERT_NO_FATAL_FAILURE(start());
  TlsOptions options;
  options.prelude = v2Header6();
  Client client = Client::tls(tlsPort(), options);
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string head = forward(client);
  Forwarding forwarding;
  forwarding.cipher = client.tlsStream()->cipherName();
  forwarding.address = "2001:db8::7";
  forwarding.forwardedFor = "\"[2001:db8::7]\"";
  EXPECT_EQ(head, expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding))
      << printable(head);
}

TEST_F(ProxyHeaderTest, AccessLogShowsTheRelayedClient) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(plainPort());
  // The header and the request in one segment: not a byte of the request
  // may be taken with the header.
  const HttpResponse response =
      client.exchange("PROXY TCP4 203.0.113.9 198.51.100.1 40000 80\r\n" + getRequest("/logged"));
  EXPECT_EQ(response.status, 200) << response.describe();
  std::string log;
  for (const Deadline deadline(Millis{3000}); !deadline.expired();) {
    log = readFile(logPath_).value_or("");
    if (log.find("/logged") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(Millis{20});
  }
  EXPECT_EQ(log.rfind("203.0.113.9 - - [", 0), 0u) << log;
}

TEST_F(ProxyHeaderTest, LocalAndUnknownKeepThePeerAddress) {
  ASSERT_NO_FATAL_FAILURE(start());
  TlsOptions options;
  options.prelude = v2Header(true);
  Client tls = Client::tls(tlsPort(), options);
  ASSERT_TRUE(tls.connected()) << tls.error();
  Forwarding forwarding;
  forwarding.cipher = tls.tlsStream()->cipherName();
  EXPECT_EQ(forward(tls), expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding));
  Client plain = Client::plain(plainPort());
  ASSERT_TRUE(plain.send("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"));
  forwarding.scheme = "http";
  forwarding.cipher.clear();
  EXPECT_EQ(forward(plain), expectedHead("GET /p HTTP/1.1", "Host: example.org\r\n", forwarding));
  EXPECT_EQ(waitForSample(adminPort_, "httpgate_proxy_headers_total{address=\"local\"}", 2), 2);
}

TEST_F(ProxyHeaderTest, HeaderInPiecesIsAssembled) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(plainPort());
  const std::string header = "PROXY TCP6 2001:db8::5 2001:db8::1 40000 80\r\n";
  for (char c : header) {
    ASSERT_TRUE(client.send(std::string_view(&c, 1)));
    std::this_thread::sleep_for(Millis{2});  // separate segments, mostly
  }
  const std::string head = forward(client);
  EXPECT_NE(head.find("X-Pil: *Adr=2001:db8::5\r\n"), std::string::npos) << printable(head);
}

TEST_F(ProxyHeaderTest, SourceOutsideProxyFromIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start("[127.0.0.2/32]"));
  Client client = Client::plain(plainPort());
  ASSERT_TRUE(client.connected());
  // Refused before a byte is read: even a well-formed header is not looked at.
  client.send("PROXY TCP4 203.0.113.7 198.51.100.1 40000 80\r\n" + getRequest("/p"));
  EXPECT_TRUE(client.waitClosed());
  EXPECT_EQ(client.unread(), "");
  EXPECT_EQ(failures("untrusted_source"), 1);
  EXPECT_EQ(backend_.requestCount(), 0u);
  EXPECT_TRUE(gate()
                  .waitForLog(std::regex("127\\.0\\.0\\.1: connection refused: not in "
                                         "proxy_from"),
                              Millis{3000})
                  .has_value());
}

TEST_F(ProxyHeaderTest, MissingHeaderClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(start());
  // A client speaking TLS or HTTP straight away.
  Client tls = Client::tls(tlsPort());
  EXPECT_FALSE(tls.connected());
  Client plain = Client::plain(plainPort());
  plain.send(getRequest("/p"));
  EXPECT_TRUE(plain.waitClosed());
  EXPECT_EQ(plain.unread(), "");
  EXPECT_EQ(
      waitForSample(adminPort_, "httpgate_proxy_header_failures_total{reason=\"malformed\"}", 2),
      2);
  EXPECT_EQ(backend_.requestCount(), 0u);
}

TEST_F(ProxyHeaderTest, MalformedHeadersCloseTheConnection) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string bad[] = {
      "PROXY TCP4 203.0.113.7 198.51.100.1 040000 80\r\n",  // a leading zero
      "PROXY TCP4 203.0.113.7 198.51.100.1 40000 80\n",     // a bare LF
      "PROXY TCP4 " + std::string(120, '1') + "\r\n",       // past 107 bytes
      std::string(kV2Signature, 12) + std::string("\x21\x11\x00\x08", 4) + std::string(8, 'x'),
      std::string(kV2Signature, 12) + std::string("\x21\x11\x10\x01", 4),  // over 4 KiB
      v2Header(false, std::string("\x01\x00\x09h2", 5)),                   // truncated TLV
  };
  for (const std::string& header : bad) {
    Client client = Client::plain(plainPort());
    client.send(header + getRequest("/p"));
    EXPECT_TRUE(client.waitClosed()) << printable(header);
    EXPECT_EQ(client.unread(), "") << printable(header);
  }
  EXPECT_EQ(
      waitForSample(adminPort_, "httpgate_proxy_header_failures_total{reason=\"malformed\"}", 6),
      6);
  EXPECT_EQ(backend_.requestCount(), 0u);
}

TEST_F(ProxyHeaderTest, TruncatedAndLateHeadersAreCounted) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client truncated = Client::plain(plainPort());
  truncated.send("PROXY TCP4 203.0.");
  truncated.shutdownWrite();
  EXPECT_TRUE(truncated.waitClosed());
  EXPECT_EQ(failures("truncated"), 1);
  Client late = Client::plain(plainPort());
  late.send("PROXY TCP4 203.0.");
  EXPECT_TRUE(late.waitClosed(Millis{5000}));  // timeouts.handshake: 1s
  EXPECT_EQ(failures("timeout"), 1);
  // Other connections meanwhile are served.
  Client good = Client::plain(plainPort());
  good.send("PROXY TCP4 203.0.113.7 198.51.100.1 40000 80\r\n");
  EXPECT_NE(forward(good).find("*Adr=203.0.113.7"), std::string::npos);
}

// limits.per_client counts the client the header names, not the balancer.
TEST_F(ProxyHeaderTest, PerClientLimitsCountTheNamedClient) {
  ASSERT_NO_FATAL_FAILURE(start("[127.0.0.1/32]", "limits:\n  per_client:\n    connections: 1\n"));
  Client first = Client::plain(plainPort());
  ASSERT_TRUE(first.send("PROXY TCP4 203.0.113.7 198.51.100.1 40000 80\r\n"));
  EXPECT_NE(forward(first).find("*Adr=203.0.113.7"), std::string::npos);
  // The same client again, through the same balancer: over its limit.
  Client second = Client::plain(plainPort());
  second.send("PROXY TCP4 203.0.113.7 198.51.100.1 40001 80\r\n" + getRequest("/p"));
  EXPECT_TRUE(second.waitClosed());
  EXPECT_EQ(second.unread(), "");
  // Another client through the same balancer is not.
  Client other = Client::plain(plainPort());
  ASSERT_TRUE(other.send("PROXY TCP4 203.0.113.8 198.51.100.1 40002 80\r\n"));
  EXPECT_NE(forward(other).find("*Adr=203.0.113.8"), std::string::npos);
  EXPECT_EQ(waitForSample(adminPort_, "httpgate_limited_total{limit=\"client_connections\"}", 1),
            1);
}

}  // namespace
}  // namespace httpgate::test
