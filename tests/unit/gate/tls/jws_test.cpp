// ACME's JWS: base64url without padding, the JWK of a P-256 key, its
// RFC 7638 thumbprint, and an ES256 signature that OpenSSL verifies with
// the public key over exactly "protected.payload".
#include "gate/tls/jws.h"

#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/sha.h>

#include <memory>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

// The inverse of base64url, for the checks.
std::string decode(std::string text) {
  for (char& c : text) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (text.size() % 4 != 0) {
    text += '=';
  }
  std::string out(text.size(), '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  EXPECT_GE(length, 0);
  length -= static_cast<int>(std::count(text.end() - 2, text.end(), '='));
  out.resize(static_cast<size_t>(length));
  return out;
}

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

TEST(Jws, Base64urlHasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

TEST(Jws, TheThumbprintHashesTheRequiredMembersInOrder) {
  const json jwk = {{"kty", "EC"}, {"y", "Y"}, {"x", "X"}, {"crv", "P-256"}, {"kid", "ignored"}};
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":"X","y":"Y"})";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  EXPECT_EQ(jwkThumbprint(jwk),
            base64url(std::string(reinterpret_cast<const char*>(digest), sizeof(digest))));
}

TEST(Jws, TheSignatureVerifiesWithThePublicKey) {
  std::unique_ptr<EVP_PKEY, KeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(key);
  for (const std::string kid : {"", "https://ca.test/acct/1"}) {
    const auto signed_ = signJws(key.get(), kid, "nonce-1", "https://ca.test/new", R"({"a":1})");
    ASSERT_TRUE(signed_.ok()) << signed_.error();
    const json body = json::parse(signed_.value());
    const json header = json::parse(decode(body["protected"]));
    EXPECT_EQ(header["alg"], "ES256");
    EXPECT_EQ(header["nonce"], "nonce-1");
    EXPECT_EQ(header["url"], "https://ca.test/new");
    if (kid.empty()) {
      EXPECT_EQ(header["jwk"], publicJwk(key.get()).value());
      EXPECT_FALSE(header.contains("kid"));
    } else {
      EXPECT_EQ(header["kid"], kid);
      EXPECT_FALSE(header.contains("jwk"));
    }
    EXPECT_EQ(decode(body["payload"]), R"({"a":1})");

    const std::string raw = decode(body["signature"]);
    ASSERT_EQ(raw.size(), 64U);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int derLength = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    const std::string input =
        body["protected"].get<std::string>() + "." + body["payload"].get<std::string>();
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key.get()), 1);
    EXPECT_EQ(EVP_DigestVerify(md, der, static_cast<size_t>(derLength),
                               reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1)
        << "kid \"" << kid << "\"";
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
  }
}

TEST(Jws, APostAsGetHasAnEmptyPayload) {
  std::unique_ptr<EVP_PKEY, KeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const auto signed_ = signJws(key.get(), "kid", "n", "https://ca.test/order/1", "");
  ASSERT_TRUE(signed_.ok());
  EXPECT_EQ(json::parse(signed_.value())["payload"], "");
}

}  // namespace
}  // namespace httpgate::gate
