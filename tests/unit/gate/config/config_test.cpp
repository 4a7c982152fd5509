#include "gate/config/config.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_test_support.h"

namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::ScratchDir;
using testing::withListener;

TEST(ConfigDefaults, EverythingButListenHasTheDocumentedDefault) {
  const Config config = loads("listen:\n  - address: \"127.0.0.1:0\"\n");
  EXPECT_EQ(config.file, "test.yaml");
  ASSERT_EQ(config.listeners.size(), 1u);
  const ListenConfig& listener = config.listeners[0];
  EXPECT_EQ(listener.address, "127.0.0.1:0");
  EXPECT_EQ(listener.socket.storage.ss_family, AF_INET);
  EXPECT_FALSE(listener.tls);
  EXPECT_FALSE(listener.redirectHttps);
  EXPECT_EQ(listener.pos.line, 2);
  EXPECT_EQ(listener.pos.column, 14);

  EXPECT_EQ(config.user, "");
  EXPECT_EQ(config.workers, 0u);
  EXPECT_EQ(config.routes.defaultPort, 8080);
  EXPECT_EQ(config.routes.defaultApp, "");
  EXPECT_EQ(config.routes.backend.name, "127.0.0.1");
  EXPECT_EQ(config.routes.backend.socket.storage.ss_family, AF_INET);
  ASSERT_EQ(config.routes.allow.size(), 1u);
  EXPECT_EQ(config.routes.allow[0].first, 1024);
  EXPECT_EQ(config.routes.allow[0].last, 65535);
  EXPECT_TRUE(config.routes.deny.empty());
  EXPECT_TRUE(config.routes.hosts.empty());
  EXPECT_TRUE(config.routes.apps.empty());
  EXPECT_EQ(config.routes.namesFile, "");
  EXPECT_EQ(config.voidPageFile, "");
  EXPECT_EQ(config.voidPage, "");
  EXPECT_TRUE(config.headers.forwarded);
  EXPECT_TRUE(config.headers.picolisp);
  EXPECT_EQ(config.timeouts.handshake, Duration(10'000));
  EXPECT_EQ(config.timeouts.requestHeader, Duration(30'000));
  EXPECT_EQ(config.timeouts.requestBody, Duration(30'000));
  EXPECT_EQ(config.timeouts.keepalive, Duration(75'000));
  EXPECT_EQ(config.timeouts.connect, Duration(5'000));
  EXPECT_EQ(config.timeouts.response, Duration(60'000));
  EXPECT_EQ(config.timeouts.tunnel, Duration(420'000));
  EXPECT_EQ(config.timeouts.shutdown, Duration(30'000));
  EXPECT_EQ(config.headers.hsts, "");
  EXPECT_EQ(config.headers.upgrade, std::vector<std::string>{"websocket"});
  EXPECT_EQ(config.limits.maxConnections, 20000u);
  EXPECT_EQ(config.limits.maxRequestHeader, 16u * 1024);
  EXPECT_EQ(config.limits.maxRequestBody, 0u);
  EXPECT_EQ(config.limits.minRequestRate, 1024u);
  EXPECT_EQ(config.limits.http2MaxConcurrentStreams, 100u);
  EXPECT_EQ(config.log.level, LogLevel::Info);
  EXPECT_EQ(config.log.access, "stderr");
  EXPECT_EQ(config.log.accessFormat, AccessFormat::Combined);
  EXPECT_EQ(config.admin.listen, "");
  EXPECT_FALSE(config.admin.socket);
}

TEST(ConfigDefaults, EmptySectionsKeepTheirDefaults) {
  const Config config =
      loads(withListener("routes:\nheaders: {}\ntimeouts:\nlimits:\nlog:\nadmin:\n"));
  EXPECT_EQ(config.routes.defaultPort, 8080);
  EXPECT_TRUE(config.headers.forwarded);
  EXPECT_EQ(config.timeouts.keepalive, Duration(75'000));
  EXPECT_EQ(config.timeouts.response, Duration(60'000));
}

TEST(ConfigDefaults, DeprecatedIdleSetsResponseAndTunnelOnly) {
  const Config config = loads(withListener("timeouts:\n  idle: 3m\n"));
  EXPECT_EQ(config.timeouts.response, Duration(180'000));
  EXPECT_EQ(config.timeouts.tunnel, Duration(180'000));
  EXPECT_EQ(config.timeouts.keepalive, Duration(75'000));
  const Config both = loads(withListener("timeouts:\n  idle: 3m\n  response: 10s\n"));
  EXPECT_EQ(both.timeouts.response, Duration(10'000));
  EXPECT_EQ(both.timeouts.tunnel, Duration(180'000));
}

class ConfigKeys : public ::testing::Test {
 protected:
  ScratchDir dir_;
  std::string cert_ = dir_.write("cert.pem", "cert");
  std::string key_ = dir_.write("key.pem", "key");
  std::string cert2_ = dir_.write("cert2.pem", "cert2");
  std::string void_ = dir_.write("void.html", "<p>gone</p>\n");
};

TEST_F(ConfigKeys, EveryKeyIsRead) {
  const Config config = loads(R"(
listen:
  - address: "127.0.0.1:0"
    tls:
      certificates:
        - cert: )" + cert_ + R"(
          key: )" + key_ + R"(
        - cert: )" + cert2_ + R"(
          key: )" + cert2_ + R"(
      protocols: [TLSv1.3]
    http2: false
  - address: "[::1]:0"
    redirect_https: true
  - address: "127.0.0.1:0"
    redirect_https: false
user: nobody
workers: 4
routes:
  default: shop
  backend: "::1"
  ports:
    allow: [8000, "9000-9999", 20000-29999]
    deny: [9500]
  hosts:
    - range: "20000-29999"
      host: 10.0.0.5
  apps:
    Shop:
      port: 12345
      prefix: "app/"
      max_request_body: 10MiB
      start:
        user: nobody
        dir: /tmp
        log: log/shop
        command: [./pil, shop/main.l, -main, -go, -wait]
        env: {LANG: C.UTF-8, X: "1"}
        wait: 3s
    old:
      redirect: https://example.org/new
  names_file: ""
void_page: )" + void_ + R"(
headers:
  forwarded: false
  picolisp: FALSE
  hsts: "max-age=63072000; includeSubDomains"
  upgrade: [WebSocket, chat]
timeouts:
  handshake: 1s
  request_header: 2s
  request_body: 4s
  keepalive: 5s
  connect: 500ms
  response: 6s
  tunnel: 7s
  shutdown: 1h
limits:
  max_connections: 1000000
  max_request_header: 1MiB
  max_request_body: 2MiB
  min_request_rate: 100
  http2:
    max_concurrent_streams: 7
log:
  level: debug
  access: /var/log/httpgate/access.log
  access_format: json
admin:
  listen: "127.0.0.1:9180"
)");
  ASSERT_EQ(config.listeners.size(), 3u);
  const ListenConfig& tls = config.listeners[0];
  ASSERT_TRUE(tls.tls);
  ASSERT_EQ(tls.tls->certificates.size(), 2u);
  EXPECT_EQ(tls.tls->certificates[0].certFile, cert_);
  EXPECT_EQ(tls.tls->certificates[0].keyFile, key_);
  EXPECT_EQ(tls.tls->certificates[0].certPos.line, 6);
  EXPECT_EQ(tls.tls->certificates[0].certPos.column, 17);
  EXPECT_EQ(tls.tls->certificates[0].keyPos.line, 7);
  EXPECT_EQ(tls.tls->certificates[0].keyPos.column, 16);
  EXPECT_EQ(tls.tls->certificates[1].keyFile, cert2_);
  EXPECT_FALSE(tls.tls->tls12);
  EXPECT_TRUE(tls.tls->tls13);
  EXPECT_FALSE(tls.http2);
  EXPECT_TRUE(config.listeners[1].http2);  // the default (unused without tls)
  EXPECT_EQ(tls.tls->protocolsPos.line, 10);
  EXPECT_EQ(tls.tls->protocolsPos.column, 18);
  EXPECT_EQ(config.listeners[1].socket.storage.ss_family, AF_INET6);
  EXPECT_TRUE(config.listeners[1].redirectHttps);
  EXPECT_FALSE(config.listeners[2].redirectHttps);

  EXPECT_EQ(config.user, "nobody");
  EXPECT_EQ(config.workers, 4u);

  const RoutesConfig& routes = config.routes;
  EXPECT_EQ(routes.defaultApp, "shop");
  EXPECT_EQ(routes.defaultPort, 12345);
  EXPECT_EQ(routes.backend.name, "::1");
  EXPECT_EQ(routes.backend.socket.storage.ss_family, AF_INET6);
  ASSERT_EQ(routes.allow.size(), 3u);
  EXPECT_EQ(routes.allow[0].first, 8000);
  EXPECT_EQ(routes.allow[0].last, 8000);
  EXPECT_EQ(routes.allow[1].first, 9000);
  EXPECT_EQ(routes.allow[1].last, 9999);
  EXPECT_EQ(routes.allow[2].first, 20000);
  ASSERT_EQ(routes.deny.size(), 1u);
  EXPECT_EQ(routes.deny[0].first, 9500);
  ASSERT_EQ(routes.hosts.size(), 1u);
  EXPECT_EQ(routes.hosts[0].range.first, 20000);
  EXPECT_EQ(routes.hosts[0].range.last, 29999);
  EXPECT_EQ(routes.hosts[0].host.name, "10.0.0.5");
  EXPECT_EQ(routes.hosts[0].host.socket.storage.ss_family, AF_INET);

  ASSERT_EQ(routes.apps.size(), 2u);
  const AppConfig& old = routes.apps[0];  // sorted by name
  EXPECT_EQ(old.name, "old");
  EXPECT_EQ(old.port, 0);
  EXPECT_EQ(old.redirect, "https://example.org/new");
  const AppConfig& shop = routes.apps[1];
  EXPECT_EQ(shop.name, "shop");
  EXPECT_EQ(shop.port, 12345);
  EXPECT_EQ(shop.prefix, "/app");
  EXPECT_EQ(shop.redirect, "");
  ASSERT_TRUE(shop.start);
  EXPECT_EQ(shop.start->user, "nobody");
  EXPECT_EQ(shop.start->dir, "/tmp");
  EXPECT_EQ(shop.start->log, "log/shop");
  const std::vector<std::string> command{"./pil", "shop/main.l", "-main", "-go", "-wait"};
  EXPECT_EQ(shop.start->command, command);
  const std::vector<std::pair<std::string, std::string>> env{{"LANG", "C.UTF-8"}, {"X", "1"}};
  EXPECT_EQ(shop.start->env, env);
  EXPECT_EQ(shop.start->wait, Duration(3000));
  EXPECT_EQ(shop.maxRequestBody, std::optional<uint64_t>(10u * 1024 * 1024));
  EXPECT_FALSE(old.maxRequestBody);

  EXPECT_EQ(config.voidPageFile, void_);
  EXPECT_EQ(config.voidPage, "<p>gone</p>\n");
  EXPECT_FALSE(config.headers.forwarded);
  EXPECT_FALSE(config.headers.picolisp);
  EXPECT_EQ(config.timeouts.handshake, Duration(1000));
  EXPECT_EQ(config.timeouts.requestHeader, Duration(2000));
  EXPECT_EQ(config.timeouts.requestBody, Duration(4000));
  EXPECT_EQ(config.timeouts.keepalive, Duration(5000));
  EXPECT_EQ(config.timeouts.connect, Duration(500));
  EXPECT_EQ(config.timeouts.response, Duration(6000));
  EXPECT_EQ(config.timeouts.tunnel, Duration(7000));
  EXPECT_EQ(config.timeouts.shutdown, Duration(3'600'000));
  EXPECT_EQ(config.headers.hsts, "max-age=63072000; includeSubDomains");
  const std::vector<std::string> upgrades{"websocket", "chat"};
  EXPECT_EQ(config.headers.upgrade, upgrades);
  EXPECT_EQ(config.limits.maxConnections, 1000000u);
  EXPECT_EQ(config.limits.maxRequestHeader, 1024u * 1024);
  EXPECT_EQ(config.limits.maxRequestBody, 2u * 1024 * 1024);
  EXPECT_EQ(config.limits.minRequestRate, 100u);
  EXPECT_EQ(config.limits.http2MaxConcurrentStreams, 7u);
  EXPECT_EQ(config.log.level, LogLevel::Debug);
  EXPECT_EQ(config.log.access, "/var/log/httpgate/access.log");
  EXPECT_EQ(config.log.accessFormat, AccessFormat::Json);
  EXPECT_EQ(config.admin.listen, "127.0.0.1:9180");
  ASSERT_TRUE(config.admin.socket);
  EXPECT_EQ(config.admin.socket->storage.ss_family, AF_INET);
}

TEST(ConfigWorkers, AutoOrOneTo256) {
  EXPECT_EQ(loads(withListener("workers: auto\n")).workers, 0u);
  EXPECT_EQ(loads(withListener("workers: 1\n")).workers, 1u);
  EXPECT_EQ(loads(withListener("workers: 256\n")).workers, 256u);
  EXPECT_EQ(loads(withListener("workers: \"8\"\n")).workers, 8u);
  for (const char* bad : {"0", "257", "-1", "many", "Auto", "[1]", "{a: 1}", "~", "1.5"}) {
    EXPECT_EQ(fails(withListener(std::string("workers: ") + bad + "\n")),
              "test.yaml:3:10: workers: expected \"auto\" or a number from 1 to 256")
        << bad;
  }
}

TEST(ConfigLogLevels, EachLevelAndFormat) {
  const std::pair<const char*, LogLevel> levels[] = {{"trace", LogLevel::Trace},
                                                     {"debug", LogLevel::Debug},
                                                     {"info", LogLevel::Info},
                                                     {"warn", LogLevel::Warn},
                                                     {"error", LogLevel::Error}};
  for (const auto& [text, level] : levels) {
    EXPECT_EQ(loads(withListener(std::string("log:\n  level: ") + text + "\n")).log.level, level);
  }
  EXPECT_EQ(loads(withListener("log:\n  access: \"off\"\n")).log.access, "off");
  EXPECT_EQ(loads(withListener("log:\n  access_format: combined\n")).log.accessFormat,
            AccessFormat::Combined);
}

TEST(ConfigBooleans, TrueAndFalseOnly) {
  EXPECT_TRUE(loads(withListener("headers:\n  forwarded: True\n")).headers.forwarded);
  EXPECT_FALSE(loads(withListener("headers:\n  forwarded: false\n")).headers.forwarded);
  for (const char* bad : {"yes", "no", "on", "off", "1", "0", "\"true\"", "'false'", "[]"}) {
    EXPECT_EQ(fails(withListener(std::string("headers:\n  forwarded: ") + bad + "\n")),
              "test.yaml:4:14: headers.forwarded: expected true or false")
        << bad;
  }
}

TEST(ConfigLimits, BoundsAndSizes) {
  EXPECT_EQ(loads(withListener("limits:\n  max_request_header: 1KiB\n")).limits.maxRequestHeader,
            1024u);
  EXPECT_EQ(loads(withListener("limits:\n  max_request_header: 8192\n")).limits.maxRequestHeader,
            8192u);
  EXPECT_EQ(loads(withListener("limits:\n  max_connections: 1\n")).limits.maxConnections, 1u);
  EXPECT_EQ(fails(withListener("limits:\n  max_connections: 0\n")),
            "test.yaml:4:20: limits.max_connections: expected a number from 1 to 1000000");
  EXPECT_EQ(fails(withListener("limits:\n  max_connections: 1000001\n")),
            "test.yaml:4:20: limits.max_connections: expected a number from 1 to 1000000");
  EXPECT_EQ(fails(withListener("limits:\n  max_request_header: 1023\n")),
            "test.yaml:4:23: limits.max_request_header: must be from 1KiB to 1MiB");
  EXPECT_EQ(fails(withListener("limits:\n  max_request_header: 1025KiB\n")),
            "test.yaml:4:23: limits.max_request_header: must be from 1KiB to 1MiB");
  EXPECT_EQ(fails(withListener("limits:\n  max_request_header: 16KB\n")),
            "test.yaml:4:23: limits.max_request_header: invalid size \"16KB\" (use bytes, KiB or "
            "MiB)");
}

TEST(ConfigTimeouts, EachTimeoutIsAPositiveDuration) {
  for (const char* name : {"handshake", "request_header", "idle", "connect", "shutdown"}) {
    const std::string key = std::string("timeouts.") + name;
    const std::string yaml = withListener(std::string("timeouts:\n  ") + name + ": ");
    const int column = static_cast<int>(std::string(name).size()) + 5;
    const std::string at = "test.yaml:4:" + std::to_string(column) + ": " + key + ": ";
    EXPECT_EQ(fails(yaml + "0s\n"), at + "duration must be greater than zero");
    EXPECT_EQ(fails(yaml + "10\n"), at + "invalid duration \"10\" (use ms, s, m, h or d)");
    EXPECT_EQ(fails(yaml + "[1s]\n"), at + "expected a duration such as 500ms, 30s, 5m or 1h");
  }
}

TEST(ConfigAdmin, EmptyOrAnAddress) {
  EXPECT_FALSE(loads(withListener("admin:\n  listen: \"\"\n")).admin.socket);
  EXPECT_EQ(fails(withListener("admin:\n  listen: 9180\n")),
            "test.yaml:4:11: admin.listen: invalid address \"9180\" (use HOST:PORT, e.g. "
            "\"[::]:443\" or \"127.0.0.1:8443\")");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:8443\"\nadmin:\n  listen: 127.0.0.1:8443\n"),
            "test.yaml:4:11: admin.listen: same address as listen[0]");
}

TEST(ConfigUser, MustExist) {
  EXPECT_EQ(loads(withListener("user: \"\"\n")).user, "");
  EXPECT_EQ(fails(withListener("user: no-such-user-httpgate\n")),
            "test.yaml:3:7: user: unknown user \"no-such-user-httpgate\"");
}

}  // namespace
}  // namespace httpgate::gate
