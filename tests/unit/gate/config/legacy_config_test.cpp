// The legacy command line "PORT DEFAULT [KEY,CERT [DENIED-PORT ...]]" and
// the configuration built from it.
#include "gate/config/legacy_config.h"

#include <gtest/gtest.h>

#include "config_test_support.h"

namespace httpgate::gate {
namespace {

using testing::ScratchDir;

LegacyArgs parses(const std::vector<std::string>& args, const std::string& cwd = "/cwd") {
  auto result = parseLegacyArgs(args, cwd);
  if (!result.ok()) {
    ADD_FAILURE() << result.error();
    return LegacyArgs{};
  }
  return std::move(result).value();
}

std::string fails(const std::vector<std::string>& args) {
  auto result = parseLegacyArgs(args, "/cwd");
  if (result.ok()) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return result.error();
}

TEST(LegacyArgs, PortAndDefaultPort) {
  const LegacyArgs args = parses({"443", "8080"});
  EXPECT_EQ(args.port, 443);
  EXPECT_EQ(args.defaultPort, 8080);
  EXPECT_EQ(args.namesFile, "");
  EXPECT_EQ(args.keyFile, "");
  EXPECT_EQ(args.voidFile, "/cwd/void");
  EXPECT_EQ(parses({"0", "8080"}).port, 0);
}

TEST(LegacyArgs, NamesFileKeyCertAndDeniedPorts) {
  const LegacyArgs args = parses({"443", "names", "pem/k.key,/etc/c.crt", "5432", "6379"});
  EXPECT_EQ(args.namesFile, "/cwd/names");
  EXPECT_EQ(args.keyFile, "/cwd/pem/k.key");
  EXPECT_EQ(args.certFile, "/etc/c.crt");
  EXPECT_EQ(args.deny, (std::vector<uint16_t>{5432, 6379}));
  const LegacyArgs single = parses({"443", "/etc/names", "/etc/both.pem"});
  EXPECT_EQ(single.namesFile, "/etc/names");
  EXPECT_EQ(single.keyFile, "/etc/both.pem");
  EXPECT_EQ(single.certFile, "/etc/both.pem");
  // An empty third argument: plain HTTP, and denied ports may still follow.
  const LegacyArgs plain = parses({"80", "8080", "", "5432"});
  EXPECT_EQ(plain.keyFile, "");
  EXPECT_EQ(plain.deny, (std::vector<uint16_t>{5432}));
}

TEST(LegacyArgs, BadArguments) {
  EXPECT_EQ(fails({"443"}),
            "the legacy command line needs PORT and DEFAULT: PORT DEFAULT [KEY,CERT "
            "[DENIED-PORT ...]]");
  EXPECT_EQ(fails({"https", "8080"}), "PORT \"https\" is not a port number (0 to 65535)");
  EXPECT_EQ(fails({"70000", "8080"}), "PORT \"70000\" is not a port number (0 to 65535)");
  EXPECT_EQ(fails({"443", "0"}), "DEFAULT \"0\" is not a port number (1 to 65535)");
  EXPECT_EQ(fails({"443", "99999"}), "DEFAULT \"99999\" is not a port number (1 to 65535)");
  EXPECT_EQ(fails({"443", ""}), "DEFAULT is empty (expected a port or a names file)");
  EXPECT_EQ(fails({"443", "8080", "key,"}),
            "KEY,CERT \"key,\": expected KEY,CERT or one PEM file holding both");
  EXPECT_EQ(fails({"443", "8080", ",cert"}),
            "KEY,CERT \",cert\": expected KEY,CERT or one PEM file holding both");
  EXPECT_EQ(fails({"443", "8080", "", "x"}), "DENIED-PORT \"x\" is not a port number (1 to 65535)");
}

Config builds(const LegacyArgs& args) {
  auto result = buildLegacyConfig(args);
  if (!result.ok()) {
    ADD_FAILURE() << result.error();
    return Config{};
  }
  return std::move(result).value();
}

TEST(LegacyConfig, PortModeKeepsTheYamlDefaults) {
  ScratchDir dir;
  const Config config = builds(parses({"0", "8080", "", "5432"}, dir.path()));
  EXPECT_EQ(config.file, "command line");
  ASSERT_EQ(config.listeners.size(), 1u);
  EXPECT_EQ(config.listeners[0].address, "[::]:0");
  EXPECT_EQ(config.listeners[0].socket.storage.ss_family, AF_INET6);
  EXPECT_FALSE(config.listeners[0].tls.has_value());
  EXPECT_EQ(config.routes.defaultPort, 8080);
  EXPECT_EQ(config.routes.backend.name, "127.0.0.1");
  ASSERT_EQ(config.routes.deny.size(), 1u);
  EXPECT_EQ(config.routes.deny[0].first, 5432);
  EXPECT_EQ(config.routes.deny[0].last, 5432);
  ASSERT_EQ(config.routes.allow.size(), 1u);
  EXPECT_EQ(config.routes.allow[0].first, 1024);
  // httpGate opens ./void for every 410: the path is kept even while the
  // file does not exist.
  EXPECT_EQ(config.voidPageFile, dir.path() + "/void");
  EXPECT_TRUE(config.voidPagePerRequest);
  EXPECT_EQ(config.log.access, "off");
  EXPECT_EQ(config.workers, 0u);
  EXPECT_EQ(config.timeouts.response, Duration{420000});
  EXPECT_EQ(config.timeouts.tunnel, Duration{420000});
  EXPECT_EQ(config.timeouts.keepalive, Duration{75000});
  // httpGate passes bin/ssl's replication through (see raw_tunnel.h).
  EXPECT_EQ(config.routes.rawPaths, std::vector<std::string>{"!replica"});
}

TEST(LegacyConfig, NamesFileVoidAndTls) {
  ScratchDir dir;
  dir.write("names", "@ 2000 nobody /d ^\nold 0 https://example.org/\n");
  dir.write("void", "<p>gone</p>");
  dir.write("k.key", "key");
  dir.write("c.crt", "cert");
  const Config config = builds(parses({"443", "names", "k.key,c.crt"}, dir.path()));
  EXPECT_EQ(config.routes.namesFile, dir.path() + "/names");
  EXPECT_EQ(config.routes.apps.size(), 2u);
  EXPECT_EQ(config.routes.defaultApp, "@");
  EXPECT_EQ(config.routes.defaultPort, 2000);
  EXPECT_EQ(config.voidPageFile, dir.path() + "/void");
  EXPECT_TRUE(config.voidPagePerRequest);
  ASSERT_TRUE(config.listeners[0].tls.has_value());
  ASSERT_EQ(config.listeners[0].tls->certificates.size(), 1u);
  EXPECT_EQ(config.listeners[0].tls->certificates[0].keyFile, dir.path() + "/k.key");
  EXPECT_EQ(config.listeners[0].tls->certificates[0].certFile, dir.path() + "/c.crt");
}

TEST(LegacyConfig, ErrorsOfTheFiles) {
  ScratchDir dir;
  auto result = buildLegacyConfig(parses({"443", "names"}, dir.path()));
  EXPECT_EQ(result.error(), "cannot read \"" + dir.path() + "/names\": No such file or directory");
  dir.write("names", "a 2000\n");
  result = buildLegacyConfig(parses({"443", "names"}, dir.path()));
  EXPECT_EQ(result.error(),
            dir.path() + "/names:1: missing the user (NAME PORT USER DIR LOG [COMMAND ARG...])");
  result = buildLegacyConfig(parses({"443", "8080", "none.pem"}, dir.path()));
  EXPECT_EQ(result.error(),
            "KEY,CERT: cannot read \"" + dir.path() + "/none.pem\": No such file or directory");
}

}  // namespace
}  // namespace httpgate::gate
