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

// admin.users: crypt(3) hashes of the strong schemes only, each refusal
// naming the user's key.
namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::withListener;

constexpr const char* kSha512 =
    "$6$gLV0JphpauThx2mD$vKe2uv7/"
    "YOlGfiLV2ptPtpA2NbuUjicndzzjSxVKCo1YIxVBXAoRgAUFW6Vpb8j65Hz8jPeHq04W1QEHUtoHI.";
constexpr const char* kSha512Rounds =
    "$6$rounds=5000$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/"
    "cZ/1GM/O6IND4WQhG.";
constexpr const char* kBcrypt2b = "$2b$04$YSWMYIIgltZH8OF45BWm3ujUGFSocGWFeoHCr6flqjPhgRnSg22..";
constexpr const char* kBcrypt2y = "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW";

std::string usersYaml(const std::string& name, const std::string& hash) {
  return withListener("admin:\n  users:\n    " + name + ": \"" + hash + "\"\n");
}

TEST(ConfigAdminUsers, BcryptAndSha512CryptAreAccepted) {
  const Config config = loads(withListener(
      std::string("admin:\n  users:\n    alice: \"") + kSha512 + "\"\n    bob: '" + kBcrypt2b +
      "'\n    carol: '" + kBcrypt2y + "'\n    dave: '" + kSha512Rounds + "'\n"));
  ASSERT_EQ(config.admin.users.size(), 4u);
  EXPECT_EQ(config.admin.users[0].name, "alice");
  EXPECT_EQ(config.admin.users[0].hash, kSha512);
  EXPECT_EQ(config.admin.users[1].name, "bob");
  EXPECT_EQ(config.admin.users[1].hash, kBcrypt2b);
  EXPECT_EQ(config.admin.users[2].hash, kBcrypt2y);
  EXPECT_EQ(config.admin.users[3].hash, kSha512Rounds);
}

TEST(ConfigAdminUsers, NoneByDefault) {
  EXPECT_TRUE(loads(withListener("admin:\n  listen: 127.0.0.1:0\n")).admin.users.empty());
  EXPECT_TRUE(loads(withListener("admin:\n  users: {}\n")).admin.users.empty());
}

constexpr const char* kUse = "; use bcrypt ($2b$) or SHA-512-crypt ($6$)";

TEST(ConfigAdminUsers, WeakSchemesAreRefused) {
  EXPECT_EQ(fails(usersYaml("alice", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/")),
            std::string("test.yaml:5:12: admin.users.alice: MD5-crypt ($1$) is too weak") + kUse);
  EXPECT_EQ(fails(usersYaml("alice", "abJnggxhB/yWI")),
            std::string("test.yaml:5:12: admin.users.alice: not a supported password hash (DES "
                        "crypt is too weak)") +
                kUse);
  EXPECT_EQ(
      fails(usersYaml("alice", "$5$salt$Gbz8YqFfb0g1ViP0Zpl9vHDm/TEc5LdJx/4dEm0tlt3")),
      std::string("test.yaml:5:12: admin.users.alice: unsupported hash scheme \"$5$\"") + kUse);
  EXPECT_EQ(
      fails(usersYaml("alice", "$y$j9T$salt$hash")),
      std::string("test.yaml:5:12: admin.users.alice: unsupported hash scheme \"$y$\"") + kUse);
}

TEST(ConfigAdminUsers, EmptyAndMalformedHashesAreRefused) {
  EXPECT_EQ(fails(usersYaml("alice", "")),
            "test.yaml:5:12: admin.users.alice: empty password hash; make one with \"mkpasswd -m "
            "sha-512\" or \"openssl passwd -6\"");
  EXPECT_EQ(fails(usersYaml("bob", std::string(kSha512).substr(0, 60))),
            "test.yaml:5:10: admin.users.bob: malformed SHA-512-crypt hash");
  EXPECT_EQ(fails(usersYaml("bob", "$6$$abc")),
            "test.yaml:5:10: admin.users.bob: malformed SHA-512-crypt hash");
  EXPECT_EQ(fails(usersYaml("bob", std::string(kBcrypt2b) + "x")),
            "test.yaml:5:10: admin.users.bob: malformed bcrypt hash");
  EXPECT_EQ(fails(usersYaml("bob", "$2b$99$YSWMYIIgltZH8OF45BWm3ujUGFSocGWFeoHCr6flqjPhgRnSg22..")),
            "test.yaml:5:10: admin.users.bob: malformed bcrypt hash");
  EXPECT_EQ(fails(usersYaml("bob", "$2b$04$YSWMYIIgltZH8OF45BWm3ujUGFSocGWFeoHCr6flqjPhgRnSg22:.")),
            "test.yaml:5:10: admin.users.bob: malformed bcrypt hash");
  EXPECT_EQ(fails(withListener("admin:\n  users:\n    alice: [a]\n")),
            "test.yaml:5:12: admin.users.alice: expected a crypt(3) password hash");
}

TEST(ConfigAdminUsers, BadNamesAndShapesAreRefused) {
  EXPECT_EQ(fails(usersYaml("\"a:b\"", kSha512)),
            "test.yaml:5:5: admin.users.a:b: a user name cannot contain ':'");
  EXPECT_EQ(fails(usersYaml("\"\"", kSha512)), "test.yaml:5:5: admin.users.: empty user name");
  EXPECT_EQ(fails(withListener("admin:\n  users: [alice]\n")),
            "test.yaml:4:10: admin.users: expected a mapping");
}

}  // namespace
}  // namespace httpgate::gate
