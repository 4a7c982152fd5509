#include "gate/tls/jws.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/sha.h>

#include <memory>

#include "gate/tls/openssl_error.h"

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

constexpr int kCoordinateBytes = 32;  // P-256

// A P-256 coordinate as the fixed 32 bytes JWK and JWS want.
std::string fixed(const BIGNUM* bn) {
  std::string out(kCoordinateBytes, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), kCoordinateBytes);
  return out;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length));
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return out;
}

Result<json> publicJwk(EVP_PKEY* key) {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  const bool got = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                   EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
  Bn xs(x);
  Bn ys(y);
  if (!got) {
    return Result<json>::fail("not a P-256 key: " + opensslError());
  }
  return Result<json>::success(json{{"crv", "P-256"},
                                    {"kty", "EC"},
                                    {"x", base64url(fixed(xs.get()))},
                                    {"y", base64url(fixed(ys.get()))}});
}

std::string jwkThumbprint(const json& jwk) {
  // nlohmann's object keeps its keys sorted, and dump() adds no space.
  const json required = {
      {"crv", jwk.at("crv")}, {"kty", jwk.at("kty")}, {"x", jwk.at("x")}, {"y", jwk.at("y")}};
  const std::string text = required.dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64url(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

Result<std::string> signJws(EVP_PKEY* key, const std::string& kid, const std::string& nonce,
                            const std::string& url, const std::string& payload) {
  json header = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (kid.empty()) {
    auto jwk = publicJwk(key);
    if (!jwk.ok()) {
      return Result<std::string>::fail(jwk.error());
    }
    header["jwk"] = jwk.value();
  } else {
    header["kid"] = kid;
  }
  const std::string protectedPart = base64url(header.dump());
  const std::string payloadPart = base64url(payload);
  const std::string input = protectedPart + "." + payloadPart;

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Result<std::string>::fail("cannot sign: " + opensslError());
  }
  std::string der(length, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Result<std::string>::fail("cannot sign: " + opensslError());
  }
  // JWS wants r and s side by side (RFC 7518 3.4), not OpenSSL's DER.
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &bytes, static_cast<long>(length)), ECDSA_SIG_free);
  if (!sig) {
    return Result<std::string>::fail("cannot read the signature: " + opensslError());
  }
  const std::string raw = fixed(ECDSA_SIG_get0_r(sig.get())) + fixed(ECDSA_SIG_get0_s(sig.get()));
  const json body = {
      {"protected", protectedPart}, {"payload", payloadPart}, {"signature", base64url(raw)}};
  return Result<std::string>::success(body.dump());
}

}  // namespace httpgate::gate
