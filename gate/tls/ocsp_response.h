// OCSP for stapling (RFC 6960, RFC 6066 section 8): the request for one
// certificate's status, and the checks a response must pass before a
// handshake may carry it — a successful response, signed by the
// certificate's issuer or by a responder it delegated to, about this very
// certificate, and current. All of it is OpenSSL's; nothing here talks to
// the network (ocsp_stapler does, through http_fetch).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace httpgate::gate {

enum class OcspStatus { Good, Revoked, Unknown };

struct OcspVerdict {
  OcspStatus status = OcspStatus::Unknown;
  int64_t thisUpdate = 0;  // Unix seconds
  int64_t nextUpdate = 0;  // 0: the responder gave none
  std::string revocation;  // Revoked: "revoked at DATE (reason)"
};

// The OCSP responder of `leaf` (the first OCSP URI of its Authority
// Information Access), or "" when it names none.
std::string ocspResponderUrl(X509* leaf);

// The DER request for the status of `leaf`, issued by `issuer`.
Result<std::string> ocspRequest(X509* leaf, X509* issuer);

// Checks the DER response `der` for `leaf` (issued by `issuer`) at `now`
// (Unix seconds): the verdict, or why it must not be stapled.
Result<OcspVerdict> checkOcspResponse(std::string_view der, X509* leaf, X509* issuer, int64_t now);

const char* ocspStatusName(OcspStatus status);

}  // namespace httpgate::gate
