// routes.names_file in YAML: where the file is looked for, how its entries
// join routes.apps, and which default route wins. Entries use the system's
// "nobody" account (uid and gid 65534 on Debian).
#include <gtest/gtest.h>

#include "config_test_support.h"
#include "gate/config/config.h"

namespace httpgate::gate {
namespace {

using testing::ScratchDir;
using testing::withListener;

// Parses `yaml` as the file `dir`/httpgate.yaml.
Result<Config, ConfigError> parseIn(const ScratchDir& dir, const std::string& yaml) {
  return parseConfig(yaml, dir.path() + "/httpgate.yaml");
}

Config loadsIn(const ScratchDir& dir, const std::string& yaml) {
  auto result = parseIn(dir, yaml);
  if (!result.ok()) {
    ADD_FAILURE() << result.error().message;
    return Config{};
  }
  return std::move(result).value();
}

std::string failsIn(const ScratchDir& dir, const std::string& yaml) {
  auto result = parseIn(dir, yaml);
  if (result.ok()) {
    ADD_FAILURE() << "expected an error for:\n" << yaml;
    return "";
  }
  return result.error().message;
}

// routes: with `body` under it; its first line is line 4.
std::string routes(const std::string& body) {
  return withListener("routes:\n" + body);
}

TEST(ConfigNames, RelativePathIsNextToTheYamlFile) {
  ScratchDir dir;
  dir.write("names", "Shop/ins 2000 nobody /srv ^ ./pil x\nold 0 https://example.org/\n");
  const Config config = loadsIn(dir, routes("  names_file: names\n"));
  EXPECT_EQ(config.routes.namesFile, dir.path() + "/names");
  ASSERT_EQ(config.routes.apps.size(), 2u);
  const AppConfig* shop = config.routes.findApp("SHOP");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->port, 2000);
  EXPECT_EQ(shop->prefix, "/ins");
  ASSERT_TRUE(shop->start.has_value());
  EXPECT_EQ(shop->start->user, "nobody");
  EXPECT_EQ(config.routes.findApp("old")->redirect, "https://example.org/");
  // No routes.default: the first entry's port, as httpGate.
  EXPECT_EQ(config.routes.defaultApp, "");
  EXPECT_EQ(config.routes.defaultPort, 2000);
}

TEST(ConfigNames, AbsolutePathAndMergeWithApps) {
  ScratchDir dir;
  const std::string names = dir.write("n", "b 2001 nobody /d ^\n@ 2002 nobody /d ^\n");
  const Config config = loadsIn(
      dir,
      routes("  apps:\n    c: {port: 3000}\n    a: {port: 3001}\n  names_file: " + names + "\n"));
  ASSERT_EQ(config.routes.apps.size(), 4u);
  // Sorted, so that findApp's binary search finds all of them.
  EXPECT_EQ(config.routes.apps[0].name, "@");
  EXPECT_EQ(config.routes.apps[1].name, "a");
  EXPECT_EQ(config.routes.apps[2].name, "b");
  EXPECT_EQ(config.routes.apps[3].name, "c");
  for (const char* name : {"a", "b", "c", "@"}) {
    EXPECT_NE(config.routes.findApp(name), nullptr) << name;
  }
  EXPECT_EQ(config.routes.defaultApp, "@");
  EXPECT_EQ(config.routes.defaultPort, 2002);
}

TEST(ConfigNames, YamlDefaultWins) {
  ScratchDir dir;
  dir.write("names", "@ 2002 nobody /d ^\nshop 2003 nobody /d ^\n");
  const Config byPort = loadsIn(dir, routes("  default: 9000\n  names_file: names\n"));
  EXPECT_EQ(byPort.routes.defaultApp, "");
  EXPECT_EQ(byPort.routes.defaultPort, 9000);
  // default: may name an app of the names file.
  const Config byApp = loadsIn(dir, routes("  default: SHOP\n  names_file: names\n"));
  EXPECT_EQ(byApp.routes.defaultApp, "shop");
  EXPECT_EQ(byApp.routes.defaultPort, 2003);
}

TEST(ConfigNames, NameInBothIsAnError) {
  ScratchDir dir;
  dir.write("names", "# apps\nx 2001 nobody /d ^\nShop 2002 nobody /d ^\n");
  EXPECT_EQ(failsIn(dir, routes("  apps:\n    other: {port: 3000}\n    SHOP: {port: 3001}\n"
                                "  names_file: names\n")),
            dir.path() +
                "/httpgate.yaml:6:5: routes.apps.SHOP: app \"shop\" is also in the "
                "names file (" +
                dir.path() + "/names:3)");
}

TEST(ConfigNames, NamesFileErrorsNameTheYamlKeyAndTheLine) {
  ScratchDir dir;
  dir.write("names", "a 2000 nobody\n");
  EXPECT_EQ(failsIn(dir, routes("  names_file: names\n")),
            dir.path() + "/httpgate.yaml:4:15: routes.names_file: " + dir.path() +
                "/names:1: missing the directory (NAME PORT USER DIR LOG [COMMAND ARG...])");
  EXPECT_EQ(failsIn(dir, routes("  names_file: missing\n")),
            dir.path() + "/httpgate.yaml:4:15: routes.names_file: cannot read \"" + dir.path() +
                "/missing\": No such file or directory");
  dir.write("names", "old 0 https://x/\na 2000 nobody /d ^\n");
  EXPECT_EQ(failsIn(dir, routes("  names_file: names\n")),
            dir.path() + "/httpgate.yaml:4:15: routes.names_file: " + dir.path() +
                "/names:1: the first entry is the default route (there is no \"@\" entry), so it "
                "needs a port, not a redirect");
  // With routes.default written, that first entry is no longer the default.
  EXPECT_EQ(loadsIn(dir, routes("  default: 8000\n  names_file: names\n")).routes.defaultPort,
            8000);
}

TEST(ConfigNames, SkippedLinesDoNotStopTheLoad) {
  ScratchDir dir;
  dir.write("names", "a 2000 root /d ^\nb 2001 nobody /d ^\n");
  const Config config = loadsIn(dir, routes("  names_file: names\n"));
  ASSERT_EQ(config.routes.apps.size(), 1u);
  EXPECT_EQ(config.routes.apps[0].name, "b");
  EXPECT_EQ(config.routes.defaultApp, "b");  // the only entry left
}

}  // namespace
}  // namespace httpgate::gate
