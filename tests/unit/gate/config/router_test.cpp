#include "gate/config/router.h"

#include <gtest/gtest.h>

#include <ostream>

#include "config_test_support.h"

namespace httpgate::gate {
namespace {

using testing::loads;

const char* kRoutes = R"(listen:
  - address: "127.0.0.1:0"
routes:
  default: 8080
  ports:
    allow: ["1024-65535"]
    deny: [5432, "6000-6010"]
  hosts:
    - range: 20000-29999
      host: 10.0.0.5
  apps:
    shop: {port: 12345}
    Wiki: {port: 12346, prefix: /wiki}
    old: {redirect: "https://example.org/new"}
    80: {port: 8081}
    cgi: {port: 20001, prefix: "app"}
)";

struct Case {
  const char* path;
  Route::Kind kind;
  uint16_t port;
  const char* host;    // Backend only
  const char* prefix;  // Backend only
  const char* rest;    // Backend only: Route::path
  const char* app;     // "" = none
  bool marker;
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << '"' << c.path << '"';
}

constexpr auto B = Route::Kind::Backend;
constexpr auto F = Route::Kind::Forbidden;
constexpr auto R = Route::Kind::Redirect;

const Case kCases[] = {
    // The default port gets the path untouched.
    {"/", B, 8080, "127.0.0.1", "", "/", "", false},
    {"/?x=1", B, 8080, "127.0.0.1", "", "/?x=1", "", false},
    {"", B, 8080, "127.0.0.1", "", "", "", false},
    {"*", B, 8080, "127.0.0.1", "", "*", "", false},
    {"/index.html", B, 8080, "127.0.0.1", "", "/index.html", "", false},
    {"//40001/x", B, 8080, "127.0.0.1", "", "//40001/x", "", false},
    {"/40001abc/x", B, 8080, "127.0.0.1", "", "/40001abc/x", "", false},
    {"/-1/x", B, 8080, "127.0.0.1", "", "/-1/x", "", false},
    {"/+40001/x", B, 8080, "127.0.0.1", "", "/+40001/x", "", false},
    {"/x~y", B, 8080, "127.0.0.1", "", "/x~y", "", true},
    // Percent-encoding is never decoded: these are unknown names.
    {"/%34%30%30%30%31/x", B, 8080, "127.0.0.1", "", "/%34%30%30%30%31/x", "", false},
    {"/shop%2Fx/y", B, 8080, "127.0.0.1", "", "/shop%2Fx/y", "", false},
    // Session ports: the first segment is stripped, the rest stays as it is.
    {"/40001/sesid~page?x=1", B, 40001, "127.0.0.1", "", "/sesid~page?x=1", "", true},
    {"/40001/", B, 40001, "127.0.0.1", "", "/", "", false},
    {"/40001", B, 40001, "127.0.0.1", "/", "", "", false},
    {"/40001?q", B, 40001, "127.0.0.1", "/", "?q", "", false},
    {"/40001?q/r~", B, 40001, "127.0.0.1", "/", "?q/r~", "", true},
    {"/40001/a%20b?q=%7E", B, 40001, "127.0.0.1", "", "/a%20b?q=%7E", "", false},
    {"/40001//x", B, 40001, "127.0.0.1", "", "//x", "", false},
    {"/01024/x", B, 1024, "127.0.0.1", "", "/x", "", false},
    {"/1024/x", B, 1024, "127.0.0.1", "", "/x", "", false},
    {"/65535", B, 65535, "127.0.0.1", "/", "", "", false},
    {"/6011/x", B, 6011, "127.0.0.1", "", "/x", "", false},
    {"/25000/x~", B, 25000, "10.0.0.5", "", "/x~", "", true},
    // Refused ports: outside allow, inside deny, 0 or beyond 65535.
    {"/1023/x", F, 1023, "", "", "", "", false},
    {"/0/x", F, 0, "", "", "", "", false},
    {"/65536/x", F, 0, "", "", "", "", false},
    {"/99999999999999999999/x", F, 0, "", "", "", "", false},
    {"/5432/", F, 5432, "", "", "", "", false},
    {"/6000", F, 6000, "", "", "", "", false},
    {"/6010?x", F, 6010, "", "", "", "", false},
    // Apps, by name ignoring case.
    {"/shop/a/b?c", B, 12345, "127.0.0.1", "", "/a/b?c", "shop", false},
    {"/SHOP/a", B, 12345, "127.0.0.1", "", "/a", "shop", false},
    {"/shop", B, 12345, "127.0.0.1", "/", "", "shop", false},
    {"/shop?x", B, 12345, "127.0.0.1", "/", "?x", "shop", false},
    {"/shop/~1", B, 12345, "127.0.0.1", "", "/~1", "shop", true},
    {"/wiki/page", B, 12346, "127.0.0.1", "/wiki", "/page", "wiki", false},
    {"/WiKi", B, 12346, "127.0.0.1", "/wiki", "", "wiki", false},
    {"/wiki?x", B, 12346, "127.0.0.1", "/wiki", "?x", "wiki", false},
    {"/cgi/x", B, 20001, "10.0.0.5", "/app", "/x", "cgi", false},
    // A numeric app name (below 1024) wins over the port.
    {"/80/x", B, 8081, "127.0.0.1", "", "/x", "80", false},
    {"/080/x", F, 80, "", "", "", "", false},
    // Redirect apps.
    {"/old", R, 0, "", "", "", "old", false},
    {"/Old/anything?x", R, 0, "", "", "", "old", false},
};

class RouterTable : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { config_ = new Config(loads(kRoutes)); }
  static void TearDownTestSuite() {
    delete config_;
    config_ = nullptr;
  }
  static Config* config_;
};

Config* RouterTable::config_ = nullptr;

TEST_P(RouterTable, Routes) {
  const Case& c = GetParam();
  const std::string_view path = c.path;
  const Route result = route(config_->routes, path);
  EXPECT_EQ(result.kind, c.kind);
  EXPECT_EQ(result.port, c.port);
  if (c.kind == Route::Kind::Backend) {
    ASSERT_NE(result.host, nullptr);
    EXPECT_EQ(result.host->name, c.host);
    EXPECT_EQ(result.prefix, c.prefix);
    EXPECT_EQ(result.path, c.rest);
    EXPECT_EQ(result.sessionMarker, c.marker);
    // The path is a view into the request, never a copy.
    if (!result.path.empty()) {
      EXPECT_GE(result.path.data(), path.data());
      EXPECT_LE(result.path.data() + result.path.size(), path.data() + path.size());
    }
  } else {
    EXPECT_EQ(result.host, nullptr);
  }
  if (c.kind == Route::Kind::Redirect) {
    EXPECT_EQ(result.location, "https://example.org/new");
  }
  if (*c.app == '\0') {
    EXPECT_EQ(result.app, nullptr);
  } else {
    ASSERT_NE(result.app, nullptr);
    EXPECT_EQ(result.app->name, c.app);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, RouterTable, ::testing::ValuesIn(kCases));

TEST(Router, DefaultAppTakesThePathUntouchedWithoutItsPrefix) {
  const Config config = loads(
      "listen:\n  - address: \"127.0.0.1:0\"\nroutes:\n  default: shop\n  apps:\n"
      "    shop: {port: 12345, prefix: /app}\n");
  for (const char* path : {"/", "/unknown/x?y", "*"}) {
    const Route result = route(config.routes, path);
    EXPECT_EQ(result.kind, Route::Kind::Backend) << path;
    EXPECT_EQ(result.port, 12345) << path;
    EXPECT_EQ(result.prefix, "") << path;
    EXPECT_EQ(result.path, path);
    ASSERT_NE(result.app, nullptr);
    EXPECT_EQ(result.app->name, "shop");
  }
  // Named explicitly, the app gets its prefix.
  const Route named = route(config.routes, "/shop/x");
  EXPECT_EQ(named.prefix, "/app");
  EXPECT_EQ(named.path, "/x");
}

TEST(Router, DefaultRedirectApp) {
  const Config config = loads(
      "listen:\n  - address: \"127.0.0.1:0\"\nroutes:\n  default: moved\n  apps:\n"
      "    moved: {redirect: \"https://example.org/\"}\n");
  const Route result = route(config.routes, "/anything");
  EXPECT_EQ(result.kind, Route::Kind::Redirect);
  EXPECT_EQ(result.location, "https://example.org/");
}

TEST(Router, EmptyAllowRefusesEveryPort) {
  const Config config =
      loads("listen:\n  - address: \"127.0.0.1:0\"\nroutes:\n  ports:\n    allow: []\n");
  EXPECT_EQ(route(config.routes, "/8080/x").kind, Route::Kind::Forbidden);
  EXPECT_EQ(route(config.routes, "/x").kind, Route::Kind::Backend);
}

TEST(Router, DefaultPortIsNotSubjectToAllow) {
  const Config config = loads(
      "listen:\n  - address: \"127.0.0.1:0\"\nroutes:\n  default: 80\n  ports:\n"
      "    allow: [\"1024-65535\"]\n");
  const Route result = route(config.routes, "/");
  EXPECT_EQ(result.kind, Route::Kind::Backend);
  EXPECT_EQ(result.port, 80);
}

TEST(Router, WorksOnAHandBuiltRoutesConfig) {
  RoutesConfig routes;
  routes.defaultPort = 9000;
  const Route defaulted = route(routes, "/");
  EXPECT_EQ(defaulted.port, 9000);
  EXPECT_EQ(defaulted.host, &routes.backend);
  const Route port = route(routes, "/40001/x");
  EXPECT_EQ(port.port, 40001);
  EXPECT_EQ(port.path, "/x");
}

}  // namespace
}  // namespace httpgate::gate
