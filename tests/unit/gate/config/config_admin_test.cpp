// admin.listen and admin.allow_public: the admin endpoint has no
// authentication, so an address other machines can reach is refused unless
// the configuration says so explicitly.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "common/net/address.h"
#include "config_test_support.h"
#include "gate/config/config.h"
#include "gate/config/config_values.h"

namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::withListener;

TEST(ConfigAdminPublic, LoopbackAddressesAreAccepted) {
  EXPECT_TRUE(loads(withListener("admin:\n  listen: 127.0.0.1:9180\n")).admin.socket);
  EXPECT_TRUE(loads(withListener("admin:\n  listen: 127.0.0.2:0\n")).admin.socket);
  EXPECT_TRUE(loads(withListener("admin:\n  listen: \"[::1]:9180\"\n")).admin.socket);
  EXPECT_TRUE(loads(withListener("admin:\n  listen: \"[::ffff:127.0.0.1]:9180\"\n")).admin.socket);
}

TEST(ConfigAdminPublic, NonLoopbackAddressIsRefused) {
  EXPECT_EQ(fails(withListener("admin:\n  listen: 0.0.0.0:9180\n")),
            "test.yaml:4:11: admin.listen: \"0.0.0.0:9180\" is not a loopback address, and "
            "/metrics and /healthz have no authentication; use 127.0.0.1 or [::1], or set "
            "admin.allow_public: true");
  EXPECT_EQ(fails(withListener("admin:\n  listen: \"[::]:9180\"\n")),
            "test.yaml:4:11: admin.listen: \"[::]:9180\" is not a loopback address, and "
            "/metrics and /healthz have no authentication; use 127.0.0.1 or [::1], or set "
            "admin.allow_public: true");
}

TEST(ConfigAdminPublic, AllowPublicLetsItThroughInEitherOrder) {
  const Config before =
      loads(withListener("admin:\n  allow_public: true\n  listen: 0.0.0.0:9180\n"));
  EXPECT_TRUE(before.admin.allowPublic);
  EXPECT_TRUE(before.admin.socket);
  EXPECT_TRUE(
      loads(withListener("admin:\n  listen: 0.0.0.0:9180\n  allow_public: true\n")).admin.socket);
}

TEST(ConfigAdminPublic, AllowPublicIsABoolean) {
  EXPECT_FALSE(loads(withListener("admin:\n  listen: 127.0.0.1:1\n")).admin.allowPublic);
  EXPECT_EQ(fails(withListener("admin:\n  allow_public: yes\n")),
            "test.yaml:4:17: admin.allow_public: expected true or false");
}

TEST(IsLoopback, Families) {
  EXPECT_TRUE(net::isLoopback(resolveAddress("127.255.0.1:1").value().storage));
  EXPECT_FALSE(net::isLoopback(resolveAddress("128.0.0.1:1").value().storage));
  EXPECT_FALSE(net::isLoopback(resolveAddress("10.0.0.1:1").value().storage));
  EXPECT_TRUE(net::isLoopback(resolveAddress("[::1]:1").value().storage));
  EXPECT_FALSE(net::isLoopback(resolveAddress("[::2]:1").value().storage));
  EXPECT_FALSE(net::isLoopback(resolveAddress("[::ffff:10.0.0.1]:1").value().storage));
}

}  // namespace
}  // namespace httpgate::gate
