// JSON Web Signatures as ACME (RFC 8555 6.2) wants them: ES256 with a
// P-256 key, flattened JSON serialization, the key as a JWK (RFC 7517) in
// the protected header of a new account's request and its account URL
// ("kid") afterwards, and the key's thumbprint (RFC 7638) for challenge
// answers. OpenSSL signs; nlohmann-json writes the JSON.
#pragma once

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace httpgate::gate {

// Base64url without padding (RFC 7515 2).
std::string base64url(std::string_view bytes);

// The public JWK of the P-256 key `key`: {"crv","kty","x","y"}.
Result<nlohmann::json> publicJwk(EVP_PKEY* key);

// The RFC 7638 thumbprint of `jwk`, base64url: SHA-256 of its required
// members in lexicographic order, without whitespace.
std::string jwkThumbprint(const nlohmann::json& jwk);

// The request body for `url`: `payload` (empty: a POST-as-GET) signed with
// `key`, the header naming `nonce`, `url` and `kid` (empty: the JWK of
// the key instead, for newAccount).
Result<std::string> signJws(EVP_PKEY* key, const std::string& kid, const std::string& nonce,
                            const std::string& url, const std::string& payload);

}  // namespace httpgate::gate
