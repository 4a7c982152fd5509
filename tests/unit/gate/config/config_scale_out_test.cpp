// The keys of a scaled-out deployment: PROXY protocol on a listener,
// trusted proxies, shared ticket keys, TLS to session hosts, per-client
// limits — each read as written, and each bad value refused at its
// file:line:column.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "config_test_support.h"
#include "gate/config/config.h"

namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::ScratchDir;
using testing::withListener;

sockaddr_storage ipv4(const char* text) {
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  in->sin_family = AF_INET;
  inet_pton(AF_INET, text, &in->sin_addr);
  return storage;
}

TEST(ConfigScaleOut, DefaultsAreOff) {
  const Config config = loads(withListener(""));
  EXPECT_FALSE(config.listeners[0].proxyProtocol);
  EXPECT_TRUE(config.listeners[0].proxyFrom.empty());
  EXPECT_EQ(config.listeners[0].maxConnections, 0u);
  EXPECT_TRUE(config.tls.ticketKeys.empty());
  EXPECT_EQ(config.tls.ticketLifetime, Duration(12 * 3600 * 1000));
  EXPECT_TRUE(config.headers.trustedProxies.empty());
  EXPECT_FALSE(config.limits.perClient.active());
}

TEST(ConfigScaleOut, ProxyProtocolListener) {
  const Config config = loads(
      "listen:\n  - address: \"127.0.0.1:0\"\n    proxy_protocol: true\n"
      "    proxy_from: [10.0.0.0/8, \"::1\"]\n    max_connections: 500\n");
  const ListenConfig& listener = config.listeners[0];
  EXPECT_TRUE(listener.proxyProtocol);
  EXPECT_TRUE(listener.proxyFrom.contains(ipv4("10.1.2.3")));
  EXPECT_FALSE(listener.proxyFrom.contains(ipv4("11.1.2.3")));
  EXPECT_EQ(listener.maxConnections, 500u);
}

TEST(ConfigScaleOut, ProxyProtocolNeedsProxyFrom) {
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:0\"\n    proxy_protocol: true\n"),
            "test.yaml:3:21: listen[0].proxy_protocol: proxy_protocol needs proxy_from: the "
            "balancers' addresses (such as [10.0.0.2/32]); connections from anywhere else are "
            "refused");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:0\"\n    proxy_protocol: true\n"
                  "    proxy_from: []\n"),
            "test.yaml:4:17: listen[0].proxy_from: proxy_protocol needs proxy_from: the "
            "balancers' addresses (such as [10.0.0.2/32]); connections from anywhere else are "
            "refused");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:0\"\n    proxy_from: [10.0.0.1]\n"),
            "test.yaml:3:17: listen[0].proxy_from: only with proxy_protocol: true");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:0\"\n    proxy_protocol: true\n"
                  "    proxy_from: [10.0.0.1/8]\n"),
            "test.yaml:4:18: listen[0].proxy_from[0]: bits set after the prefix (the block "
            "starts at 10.0.0.0/8)");
}

TEST(ConfigScaleOut, TrustedProxies) {
  const Config config = loads(withListener("headers:\n  trusted_proxies: [192.0.2.0/24]\n"));
  EXPECT_TRUE(config.headers.trustedProxies.contains(ipv4("192.0.2.9")));
  EXPECT_EQ(fails(withListener("headers:\n  trusted_proxies: [nonsense]\n")).substr(0, 47),
            "test.yaml:4:21: headers.trusted_proxies[0]: not");
}

TEST(ConfigScaleOut, PerClientLimits) {
  const Config config = loads(withListener(
      "limits:\n  per_client:\n    connections: 20\n    requests: {rate: 600/m, burst: 30}\n"
      "    exempt: [127.0.0.0/8]\n"));
  const PerClientLimits& limits = config.limits.perClient;
  EXPECT_EQ(limits.connections, 20u);
  EXPECT_DOUBLE_EQ(limits.requestRate, 10.0);
  EXPECT_EQ(limits.requestBurst, 30u);
  EXPECT_TRUE(limits.exempt.contains(ipv4("127.0.0.1")));
  // A rate without a burst gets a second's worth.
  EXPECT_EQ(loads(withListener("limits:\n  per_client:\n    requests: {rate: 50/s}\n"))
                .limits.perClient.requestBurst,
            50u);
  EXPECT_EQ(fails(withListener("limits:\n  per_client:\n    requests: {rate: 50}\n")),
            "test.yaml:5:22: limits.per_client.requests.rate: expected a rate such as 50/s "
            "(per s, m or h)");
  EXPECT_EQ(fails(withListener("limits:\n  per_client:\n    requests: {rate: 5/s, burst: 0}\n")),
            "test.yaml:5:34: limits.per_client.requests.burst: must be at least 1 when a rate "
            "is set");
}

TEST(ConfigScaleOut, TicketKeysInBothFormats) {
  ScratchDir dir;
  std::string raw(160, '\0');
  for (size_t i = 0; i < raw.size(); ++i) {
    raw[i] = static_cast<char>(i * 7 + 1);
  }
  const std::string rawFile = dir.write("raw.key", raw);
  Config config = loads(withListener("tls:\n  ticket_keys: " + rawFile + "\n"));
  ASSERT_EQ(config.tls.ticketKeys.size(), 2u);
  EXPECT_EQ(config.tls.ticketKeys[1].bytes[0], static_cast<uint8_t>(80 * 7 + 1));
  // The same first key as HAProxy's base64 line (openssl rand -base64 80).
  const std::string line =
      "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09rh6O/2/QQLEhkgJy41PENKUVhfZm10e4KJkJee"
      "payzusHIz9bd5Ovy+QAHDhUcIyo=";
  const std::string textFile = dir.write("text.key", "\n" + line + "\n\n");
  config = loads(withListener("tls:\n  ticket_keys: " + textFile + "\n  ticket_lifetime: 1h\n"));
  ASSERT_EQ(config.tls.ticketKeys.size(), 1u);
  EXPECT_EQ(config.tls.ticketKeys[0].bytes[79], static_cast<uint8_t>(79 * 7 + 1));
  EXPECT_EQ(config.tls.ticketLifetime, Duration(3600 * 1000));
}

TEST(ConfigScaleOut, TicketKeysOfTheWrongSize) {
  ScratchDir dir;
  const std::string shortFile = dir.write("short.key", std::string(48, '\x01'));
  EXPECT_EQ(fails(withListener("tls:\n  ticket_keys: " + shortFile + "\n")),
            "test.yaml:4:16: tls.ticket_keys: \"" + shortFile +
                "\" is 48 bytes: expected 80-byte keys (openssl rand 80), one after another, or "
                "one base64 line per key");
  const std::string badLine = dir.write("line.key", "AAAA\n");
  EXPECT_EQ(fails(withListener("tls:\n  ticket_keys: " + badLine + "\n")),
            "test.yaml:4:16: tls.ticket_keys: \"" + badLine +
                "\" line 1: not an 80-byte key in base64 (make one with: openssl rand -base64 "
                "80 | tr -d '\\n')");
  const std::string empty = dir.write("empty.key", "");
  EXPECT_EQ(fails(withListener("tls:\n  ticket_keys: " + empty + "\n")),
            "test.yaml:4:16: tls.ticket_keys: \"" + empty + "\" has no key");
  EXPECT_EQ(fails(withListener("tls:\n  ticket_lifetime: 10s\n")),
            "test.yaml:4:20: tls.ticket_lifetime: must be at least 1m");
}

TEST(ConfigScaleOut, HostTls) {
  ScratchDir dir;
  const std::string ca = dir.write("ca.pem", "x");
  const std::string cert = dir.write("cert.pem", "x");
  const Config config = loads(withListener(
      "routes:\n  hosts:\n    - range: \"20000-29999\"\n      host: 127.0.0.2\n"
      "      tls: {ca: " +
      ca + ", server_name: sessions-a.internal, cert: " + cert + ", key: " + cert + "}\n"));
  const BackendHost& host = config.routes.hostFor(20001);
  ASSERT_TRUE(host.tls.has_value());
  EXPECT_EQ(host.tls->caFile, ca);
  EXPECT_EQ(host.tls->serverName, "sessions-a.internal");
  EXPECT_EQ(host.tls->certFile, cert);
  EXPECT_FALSE(config.routes.hostFor(8080).tls.has_value());
  EXPECT_EQ(fails(withListener("routes:\n  hosts:\n    - range: \"20000-29999\"\n"
                               "      host: 127.0.0.2\n      tls: {ca: " +
                               ca + "}\n")),
            "test.yaml:7:12: routes.hosts[0].tls.server_name: required key is missing");
  EXPECT_EQ(fails(withListener("routes:\n  hosts:\n    - range: \"20000-29999\"\n"
                               "      host: 127.0.0.2\n      tls: {ca: " +
                               ca + ", server_name: a, cert: " + cert + "}\n")),
            "test.yaml:7:12: routes.hosts[0].tls: cert and key go together (a client "
            "certificate for mutual TLS)");
  EXPECT_EQ(fails(withListener("routes:\n  hosts:\n    - range: \"20000-29999\"\n"
                               "      host: 127.0.0.2\n      tls: {ca: /nonexistent/ca.pem, "
                               "server_name: a}\n")),
            "test.yaml:7:17: routes.hosts[0].tls.ca: cannot read \"/nonexistent/ca.pem\": No "
            "such file or directory");
}

}  // namespace
}  // namespace httpgate::gate
