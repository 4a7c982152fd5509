// Basic authentication of the admin endpoint: the Authorization field read
// strictly and bounded, and names and passwords checked against hashes
// made here with crypt(3) and a random salt, of both schemes.
#include "gate/admin/basic_auth.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <memory>

namespace httpgate::gate {
namespace {

// A crypt(3) hash of `password` with a random salt for `prefix` ("$6$",
// "$2b$"); `cost` 0 is the scheme's default, bcrypt's 4 is its cheapest.
std::string hashOf(const std::string& password, const char* prefix, unsigned long cost = 0) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, cost, nullptr, 0, salt, sizeof(salt)) == nullptr) {
    ADD_FAILURE() << "crypt_gensalt_rn " << prefix;
    return {};
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), salt, data.get());
  return hash != nullptr ? hash : "";
}

TEST(BasicAuthorization, ReadsNameAndPassword) {
  // base64("alice:open sesame") and base64("bob:a:b:c").
  auto alice = parseBasicAuthorization("Basic YWxpY2U6b3BlbiBzZXNhbWU=");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->password, "open sesame");
  auto bob = parseBasicAuthorization("basic   Ym9iOmE6Yjpj");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->name, "bob");
  EXPECT_EQ(bob->password, "a:b:c");
  auto empty = parseBasicAuthorization("BASIC Og==");  // ":"
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->name, "");
  EXPECT_EQ(empty->password, "");
}

TEST(BasicAuthorization, RefusesWhatIsNotStrictBasic) {
  EXPECT_FALSE(parseBasicAuthorization(""));
  EXPECT_FALSE(parseBasicAuthorization("Basic"));
  EXPECT_FALSE(parseBasicAuthorization("Basic "));
  EXPECT_FALSE(parseBasicAuthorization("Bearer YWxpY2U6eA=="));
  EXPECT_FALSE(parseBasicAuthorization("BasicYWxpY2U6eA=="));
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxpY2U="));      // "alice": no colon
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxpY2U6eA"));    // padding missing
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxp=2U6eA=="));  // padding inside
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxpY2U6eA=*"));
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxpY2U6eA== "));
}

TEST(BasicAuthorization, LongFieldsAreRefusedUnread) {
  // "alice:" and a password of 'x's, just within and just past the bound.
  auto field = [](size_t passwordLength) {
    std::string plain = "alice:" + std::string(passwordLength, 'x');
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string encoded;
    for (size_t i = 0; i < plain.size(); i += 3) {
      uint32_t bits = static_cast<unsigned char>(plain[i]) << 16;
      const size_t n = std::min<size_t>(3, plain.size() - i);
      if (n > 1)
        bits |= static_cast<unsigned char>(plain[i + 1]) << 8;
      if (n > 2)
        bits |= static_cast<unsigned char>(plain[i + 2]);
      for (size_t j = 0; j < 4; ++j) {
        encoded.push_back(j <= n ? kAlphabet[(bits >> (18 - 6 * j)) & 63] : '=');
      }
    }
    return "Basic " + encoded;
  };
  EXPECT_EQ(field(756).size(), kMaxAuthorization - 2);
  EXPECT_TRUE(parseBasicAuthorization(field(756)));
  EXPECT_EQ(field(759).size(), kMaxAuthorization + 2);
  EXPECT_FALSE(parseBasicAuthorization(field(759)));
}

TEST(Base64, DecodesWithPadding) {
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_EQ(decodeBase64("Zg=="), "f");
  EXPECT_EQ(decodeBase64("Zm8="), "fo");
  EXPECT_EQ(decodeBase64("Zm9v"), "foo");
  EXPECT_EQ(decodeBase64("Zm9vYg=="), "foob");
  EXPECT_FALSE(decodeBase64("Zm9"));
  EXPECT_FALSE(decodeBase64("Z==="));
  EXPECT_FALSE(decodeBase64("Zg==Zm9v"));
}

TEST(AdminAuthenticator, ChecksPasswordsOfBothSchemes) {
  const AdminAuthenticator users(
      {{"alice", hashOf("alice-pw", "$6$")}, {"bob", hashOf("bob pw:x", "$2b$", 4)}});
  EXPECT_TRUE(users.required());
  EXPECT_TRUE(users.check({"alice", "alice-pw"}));
  EXPECT_TRUE(users.check({"bob", "bob pw:x"}));
  EXPECT_FALSE(users.check({"alice", "alice-pw "}));
  EXPECT_FALSE(users.check({"alice", ""}));
  EXPECT_FALSE(users.check({"alice", "bob pw:x"}));
  EXPECT_FALSE(users.check({"bob", "alice-pw"}));
  EXPECT_FALSE(users.check({"Alice", "alice-pw"}));
  // An unknown name with the password of the user whose hash stands in.
  EXPECT_FALSE(users.check({"mallory", "alice-pw"}));
  EXPECT_FALSE(users.check({"", "alice-pw"}));
  // A NUL would end the password crypt(3) sees.
  EXPECT_FALSE(users.check({"alice", std::string("alice-pw\0tail", 13)}));
}

TEST(AdminAuthenticator, NoUsersNoCheck) {
  const AdminAuthenticator none({});
  EXPECT_FALSE(none.required());
  EXPECT_FALSE(none.check({"alice", "x"}));
}

}  // namespace
}  // namespace httpgate::gate
