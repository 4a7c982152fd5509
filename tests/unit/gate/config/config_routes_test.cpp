// routes: and routes.apps: as loaded, with their errors.
#include <gtest/gtest.h>
#include <pwd.h>

#include "config_test_support.h"
#include "gate/config/config.h"

namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::withListener;

// routes: with `body` indented under it; the first line of `body` is line 4.
std::string routes(const std::string& body) {
  return withListener("routes:\n" + body);
}

// routes.apps with one app `name` whose keys are `body` (each line indented
// by 6); the app's key is at 5:5 and the first line of `body` is line 6.
std::string app(const std::string& name, const std::string& body) {
  return routes("  apps:\n    " + name + ":\n" + body);
}

TEST(ConfigRoutes, DefaultIsAPortOrAnApp) {
  EXPECT_EQ(loads(routes("  default: 9000\n")).routes.defaultPort, 9000);
  EXPECT_EQ(loads(routes("  default: \"9000\"\n")).routes.defaultPort, 9000);
  // The app may come after default: in the file; names ignore case.
  const Config config = loads(routes("  default: SHOP\n  apps:\n    shop: {port: 12345}\n"));
  EXPECT_EQ(config.routes.defaultApp, "shop");
  EXPECT_EQ(config.routes.defaultPort, 12345);
  EXPECT_EQ(fails(routes("  default: shop\n")),
            "test.yaml:4:12: routes.default: unknown app \"shop\" (expected a port or the name "
            "of an app)");
  EXPECT_EQ(fails(routes("  default: 0\n")),
            "test.yaml:4:12: routes.default: expected a number from 1 to 65535");
  EXPECT_EQ(fails(routes("  default: 65536\n")),
            "test.yaml:4:12: routes.default: expected a number from 1 to 65535");
  EXPECT_EQ(fails(routes("  default: [8080]\n")),
            "test.yaml:4:12: routes.default: expected a port or the name of an app");
}

TEST(ConfigRoutes, BackendHost) {
  EXPECT_EQ(loads(routes("  backend: localhost\n")).routes.backend.name, "localhost");
  EXPECT_EQ(loads(routes("  backend: \"[::1]\"\n")).routes.backend.socket.storage.ss_family,
            AF_INET6);
  EXPECT_EQ(fails(routes("  backend: 127.0.0.1:80\n")),
            "test.yaml:4:12: routes.backend: invalid host \"127.0.0.1:80\" (a name or an "
            "address, without a port)");
  EXPECT_EQ(fails(routes("  backend: \"a b\"\n")),
            "test.yaml:4:12: routes.backend: invalid host \"a b\"");
}

TEST(ConfigRoutes, PortsAllowAndDeny) {
  const Config config = loads(routes("  ports:\n    allow: []\n    deny: [5432, \"6379\"]\n"));
  EXPECT_TRUE(config.routes.allow.empty());
  ASSERT_EQ(config.routes.deny.size(), 2u);
  EXPECT_EQ(config.routes.deny[1].first, 6379);
  EXPECT_EQ(fails(routes("  ports:\n    allow: [0]\n")),
            "test.yaml:5:13: routes.ports.allow[0]: port range \"0\": ports are numbers from 1 "
            "to 65535");
  EXPECT_EQ(fails(routes("  ports:\n    deny: [80, 9-5]\n")),
            "test.yaml:5:16: routes.ports.deny[1]: port range \"9-5\": the first port is "
            "greater than the last");
  EXPECT_EQ(fails(routes("  ports:\n    deny: [http]\n")),
            "test.yaml:5:12: routes.ports.deny[0]: invalid port range \"http\" (use a port or "
            "\"first-last\")");
  EXPECT_EQ(fails(routes("  ports:\n    deny: [{a: 1}]\n")),
            "test.yaml:5:12: routes.ports.deny[0]: expected a port or a range such as "
            "\"1024-65535\"");
  EXPECT_EQ(fails(routes("  ports:\n    alow: []\n")),
            "test.yaml:5:5: routes.ports.alow: unknown key");
}

TEST(ConfigRoutes, RawPaths) {
  // bin/ssl's replication passes by default, as through httpGate.
  EXPECT_EQ(loads(routes("  default: 9000\n")).routes.rawPaths,
            std::vector<std::string>{"!replica"});
  EXPECT_EQ(loads(routes("  raw_paths: [\"!replica\", \"!sync\", 42]\n")).routes.rawPaths,
            (std::vector<std::string>{"!replica", "!sync", "42"}));
  EXPECT_TRUE(loads(routes("  raw_paths: []\n")).routes.rawPaths.empty());
  EXPECT_EQ(fails(routes("  raw_paths: [\"!replica\", \"\"]\n")),
            "test.yaml:4:27: routes.raw_paths[1]: empty (expected a final path segment such as "
            "\"!replica\")");
  EXPECT_EQ(fails(routes("  raw_paths:\n    - \"40003/!replica\"\n")),
            "test.yaml:5:7: routes.raw_paths[0]: \"40003/!replica\" is not one path segment (no "
            "'/', '?', space or control character)");
  EXPECT_EQ(fails(routes("  raw_paths: [\"!replica?x\"]\n")),
            "test.yaml:4:15: routes.raw_paths[0]: \"!replica?x\" is not one path segment (no "
            "'/', '?', space or control character)");
  EXPECT_EQ(fails(routes("  raw_paths: [\"a b\"]\n")),
            "test.yaml:4:15: routes.raw_paths[0]: \"a b\" is not one path segment (no '/', '?', "
            "space or control character)");
  EXPECT_EQ(fails(routes("  raw_paths: [[\"!replica\"]]\n")),
            "test.yaml:4:15: routes.raw_paths[0]: expected a final path segment such as "
            "\"!replica\"");
  EXPECT_EQ(fails(routes("  raw_paths: \"!replica\"\n")),
            "test.yaml:4:14: routes.raw_paths: expected a list");
}

TEST(ConfigRoutes, Hosts) {
  const Config config =
      loads(routes("  hosts:\n    - range: 20000-29999\n      host: 10.0.0.5\n    - range: 30000\n"
                   "      host: \"::1\"\n"));
  ASSERT_EQ(config.routes.hosts.size(), 2u);
  EXPECT_EQ(config.routes.hosts[1].range.first, 30000);
  EXPECT_EQ(config.routes.hosts[1].range.last, 30000);
  EXPECT_EQ(config.routes.hosts[1].host.name, "::1");
  EXPECT_EQ(fails(routes("  hosts:\n    - range: 20000-29999\n")),
            "test.yaml:5:7: routes.hosts[0].host: required key is missing");
  EXPECT_EQ(fails(routes("  hosts:\n    - host: 10.0.0.5\n")),
            "test.yaml:5:7: routes.hosts[0].range: required key is missing");
  EXPECT_EQ(fails(routes("  hosts:\n    - range: 1-0\n      host: 10.0.0.5\n")),
            "test.yaml:5:14: routes.hosts[0].range: port range \"1-0\": ports are numbers from "
            "1 to 65535");
}

TEST(ConfigRoutes, HostForPicksTheFirstMatchingRangeElseBackend) {
  const Config config = loads(
      routes("  backend: 127.0.0.1\n  hosts:\n    - range: 20000-29999\n      host: 10.0.0.5\n"
             "    - range: 25000-39999\n      host: 10.0.0.6\n"));
  EXPECT_EQ(config.routes.hostFor(8080).name, "127.0.0.1");
  EXPECT_EQ(config.routes.hostFor(19999).name, "127.0.0.1");
  EXPECT_EQ(config.routes.hostFor(20000).name, "10.0.0.5");
  EXPECT_EQ(config.routes.hostFor(25000).name, "10.0.0.5");
  EXPECT_EQ(config.routes.hostFor(29999).name, "10.0.0.5");
  EXPECT_EQ(config.routes.hostFor(30000).name, "10.0.0.6");
  EXPECT_EQ(config.routes.hostFor(40000).name, "127.0.0.1");
}

TEST(ConfigRoutes, NamesFileEmptyMeansNone) {
  EXPECT_EQ(loads(routes("  names_file: \"\"\n")).routes.namesFile, "");
}

TEST(ConfigApps, NamesAreLowerCasedSortedAndFoundIgnoringCase) {
  const Config config = loads(
      routes("  apps:\n    Shop: {port: 2000}\n    admin: {port: 3000}\n    80: {port: 4000}\n"));
  ASSERT_EQ(config.routes.apps.size(), 3u);
  EXPECT_EQ(config.routes.apps[0].name, "80");
  EXPECT_EQ(config.routes.apps[1].name, "admin");
  EXPECT_EQ(config.routes.apps[2].name, "shop");
  ASSERT_NE(config.routes.findApp("SHOP"), nullptr);
  EXPECT_EQ(config.routes.findApp("sHoP")->port, 2000);
  EXPECT_EQ(config.routes.findApp("Admin")->port, 3000);
  EXPECT_EQ(config.routes.findApp("80")->port, 4000);
  EXPECT_EQ(config.routes.findApp("shop2"), nullptr);
  EXPECT_EQ(config.routes.findApp("sho"), nullptr);
  EXPECT_EQ(config.routes.findApp(""), nullptr);
  const RoutesConfig none;
  EXPECT_EQ(none.findApp("shop"), nullptr);
}

TEST(ConfigApps, NameRules) {
  EXPECT_EQ(loads(app("1023", "      port: 2000\n")).routes.apps[0].name, "1023");
  EXPECT_EQ(fails(app("1024", "      port: 2000\n")),
            "test.yaml:5:5: routes.apps.1024: app name \"1024\" is a port number; numeric app "
            "names must be below 1024");
  EXPECT_EQ(fails(app("\"a/b\"", "      port: 2000\n")),
            "test.yaml:5:5: routes.apps.a/b: app name \"a/b\" must not contain '/', '?', '#', "
            "spaces or control characters");
  EXPECT_EQ(fails(app("\"a b\"", "      port: 2000\n")),
            "test.yaml:5:5: routes.apps.a b: app name \"a b\" must not contain '/', '?', '#', "
            "spaces or control characters");
  EXPECT_EQ(fails(app("\"\"", "      port: 2000\n")),
            "test.yaml:5:5: routes.apps.: an app name must not be empty");
  EXPECT_EQ(fails(routes("  apps:\n    Shop: {port: 1}\n    shop: {port: 2}\n")),
            "test.yaml:6:5: routes.apps.shop: duplicate app name \"shop\" (names ignore case)");
}

TEST(ConfigApps, PortOrRedirectNotBothNotNeither) {
  EXPECT_EQ(fails(app("shop", "      port: 1\n      redirect: https://x/\n")),
            "test.yaml:7:17: routes.apps.shop.redirect: an app has either port or redirect, not "
            "both");
  EXPECT_EQ(fails(app("shop", "      prefix: /x\n")),
            "test.yaml:6:7: routes.apps.shop: an app needs port or redirect");
  EXPECT_EQ(fails(app("shop", "")),
            "test.yaml:5:5: routes.apps.shop: an app needs port or redirect");
  EXPECT_EQ(fails(app("shop", "      port: 0\n")),
            "test.yaml:6:13: routes.apps.shop.port: expected a number from 1 to 65535");
  EXPECT_EQ(fails(app("shop", "      redirect: /new\n      prefix: /x\n")),
            "test.yaml:7:15: routes.apps.shop.prefix: only for an app with a port, not a "
            "redirect");
  EXPECT_EQ(fails(app("shop", "      port: 1\n      prot: 2\n")),
            "test.yaml:7:7: routes.apps.shop.prot: unknown key");
}

TEST(ConfigApps, RedirectTakesAUrlOrAnAbsolutePath) {
  EXPECT_EQ(loads(app("old", "      redirect: /new\n")).routes.apps[0].redirect, "/new");
  EXPECT_EQ(loads(app("old", "      redirect: http://a.example/b?c\n")).routes.apps[0].redirect,
            "http://a.example/b?c");
  for (const char* bad :
       {"example.org", "\"\"", "\"https://a/b c\"", "\"https://a/\\r\\nX: y\"", "://x"}) {
    EXPECT_EQ(fails(app("old", std::string("      redirect: ") + bad + "\n")),
              "test.yaml:6:17: routes.apps.old.redirect: expected a URL such as "
              "\"https://example.org/path\"")
        << bad;
  }
}

TEST(ConfigApps, PrefixIsNormalized) {
  const std::pair<const char*, const char*> cases[] = {
      {"\"\"", ""},      {"/", ""},         {"app", "/app"}, {"/app", "/app"},
      {"/app/", "/app"}, {"a/b//", "/a/b"}, {"/~x", "/~x"},
  };
  for (const auto& [written, normalized] : cases) {
    EXPECT_EQ(loads(app("shop", std::string("      port: 1\n      prefix: ") + written + "\n"))
                  .routes.apps[0]
                  .prefix,
              normalized)
        << written;
  }
  EXPECT_EQ(fails(app("shop", "      port: 1\n      prefix: \"a b\"\n")),
            "test.yaml:7:15: routes.apps.shop.prefix: invalid prefix \"a b\" (no spaces, control "
            "characters, '?' or '#')");
  EXPECT_EQ(fails(app("shop", "      port: 1\n      prefix: \"a?b\"\n")),
            "test.yaml:7:15: routes.apps.shop.prefix: invalid prefix \"a?b\" (no spaces, control "
            "characters, '?' or '#')");
}

// The start: block under app "shop" with port 1; its first line is line 8.
std::string start(const std::string& body) {
  return app("shop", "      port: 1\n      start:\n" + body);
}

TEST(ConfigApps, StartDefaults) {
  const Config config = loads(start("        user: nobody\n        command: [./run]\n"));
  const auto& started = config.routes.apps[0].start;
  ASSERT_TRUE(started);
  EXPECT_EQ(started->user, "nobody");
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  EXPECT_EQ(started->dir, nobody->pw_dir);  // the user's home
  EXPECT_EQ(started->log, "");
  EXPECT_EQ(started->command, std::vector<std::string>{"./run"});
  EXPECT_TRUE(started->env.empty());
  EXPECT_EQ(started->wait, Duration(20'000));
}

TEST(ConfigApps, StartErrors) {
  EXPECT_EQ(fails(start("        command: [./run]\n")),
            "test.yaml:8:9: routes.apps.shop.start.user: required key is missing");
  EXPECT_EQ(fails(start("        user: root\n        command: [./run]\n")),
            "test.yaml:8:15: routes.apps.shop.start.user: must not be root (user \"root\" has uid "
            "or gid 0)");
  EXPECT_EQ(fails(start("        user: no-such-user-httpgate\n        command: [./run]\n")),
            "test.yaml:8:15: routes.apps.shop.start.user: unknown user \"no-such-user-httpgate\"");
  EXPECT_EQ(fails(start("        user: nobody\n")),
            "test.yaml:8:9: routes.apps.shop.start.command: required key is missing");
  EXPECT_EQ(fails(start("        user: nobody\n        command: []\n")),
            "test.yaml:9:18: routes.apps.shop.start.command: expected a non-empty list: the "
            "program and its arguments");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [\"\", x]\n")),
            "test.yaml:9:18: routes.apps.shop.start.command: expected a non-empty list: the "
            "program and its arguments");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [[a]]\n")),
            "test.yaml:9:19: routes.apps.shop.start.command[0]: expected a string");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [x]\n        wait: 0ms\n")),
            "test.yaml:10:15: routes.apps.shop.start.wait: duration must be greater than zero");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [x]\n        wait: 20\n")),
            "test.yaml:10:15: routes.apps.shop.start.wait: invalid duration \"20\" (use ms, s, m, "
            "h or d)");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [x]\n        env: {\"A=B\": x}\n")),
            "test.yaml:10:22: routes.apps.shop.start.env.A=B: invalid environment variable name");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [x]\n        env: [A]\n")),
            "test.yaml:10:14: routes.apps.shop.start.env: expected a mapping");
  EXPECT_EQ(fails(start("        user: nobody\n        command: [x]\n        args: [y]\n")),
            "test.yaml:10:9: routes.apps.shop.start.args: unknown key");
}

}  // namespace
}  // namespace httpgate::gate
