#include "gate/tls/ocsp_response.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "gate/tls/certificate_info.h"
#include "gate/tls/openssl_error.h"

namespace httpgate::gate {
namespace {

// How far the clocks of the gate and the responder may disagree.
constexpr long kClockSkewSeconds = 300;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using ResponsePtr = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE, OCSP_RESPONSE_free>>;
using BasicPtr = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP, OCSP_BASICRESP_free>>;
using CertIdPtr = std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID, OCSP_CERTID_free>>;
using RequestPtr = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST, OCSP_REQUEST_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;

struct StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};

int64_t unixTime(const ASN1_GENERALIZEDTIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    return 0;
  }
  return static_cast<int64_t>(timegm(&parts));
}

std::string dateOf(int64_t seconds) {
  return isoDateTime(static_cast<time_t>(seconds));
}

}  // namespace

const char* ocspStatusName(OcspStatus status) {
  switch (status) {
    case OcspStatus::Good:
      return "good";
    case OcspStatus::Revoked:
      return "revoked";
    case OcspStatus::Unknown:
      break;
  }
  return "unknown";
}

std::string ocspResponderUrl(X509* leaf) {
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(leaf);
  std::string url;
  if (urls != nullptr && sk_OPENSSL_STRING_num(urls) > 0) {
    url = sk_OPENSSL_STRING_value(urls, 0);
  }
  X509_email_free(urls);
  return url;
}

Result<std::string> ocspRequest(X509* leaf, X509* issuer) {
  RequestPtr request(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, leaf, issuer);
  if (!request || id == nullptr || OCSP_request_add0_id(request.get(), id) == nullptr) {
    OCSP_CERTID_free(id);
    return Result<std::string>::fail("cannot make an OCSP request: " + opensslError());
  }
  unsigned char* der = nullptr;
  const int length = i2d_OCSP_REQUEST(request.get(), &der);
  if (length <= 0) {
    return Result<std::string>::fail("cannot encode the OCSP request: " + opensslError());
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return Result<std::string>::success(std::move(out));
}

Result<OcspVerdict> checkOcspResponse(std::string_view der, X509* leaf, X509* issuer, int64_t now) {
  using Checked = Result<OcspVerdict>;
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  ResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &bytes, static_cast<long>(der.size())));
  if (!response) {
    ERR_clear_error();
    return Checked::fail("not an OCSP response");
  }
  const int status = OCSP_response_status(response.get());
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return Checked::fail(std::string("the responder answered ") + OCSP_response_status_str(status));
  }
  BasicPtr basic(OCSP_response_get1_basic(response.get()));
  if (!basic) {
    ERR_clear_error();
    return Checked::fail("not a basic OCSP response");
  }
  // The issuer is the one trust anchor (an intermediate, hence a partial
  // chain): it signed the response itself, or signed the certificate of a
  // responder it delegated to (OCSP signing), which OpenSSL checks.
  StorePtr store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
  if (!store || !untrusted || X509_STORE_add_cert(store.get(), issuer) != 1 ||
      sk_X509_push(untrusted.get(), issuer) <= 0) {
    return Checked::fail("cannot check the OCSP response: " + opensslError());
  }
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  if (OCSP_basic_verify(basic.get(), untrusted.get(), store.get(), 0) <= 0) {
    return Checked::fail("the OCSP response's signature does not verify: " + opensslError());
  }
  CertIdPtr id(OCSP_cert_to_id(nullptr, leaf, issuer));
  int certStatus = 0;
  int reason = 0;
  ASN1_GENERALIZEDTIME* revokedAt = nullptr;
  ASN1_GENERALIZEDTIME* thisUpdate = nullptr;
  ASN1_GENERALIZEDTIME* nextUpdate = nullptr;
  if (!id || OCSP_resp_find_status(basic.get(), id.get(), &certStatus, &reason, &revokedAt,
                                   &thisUpdate, &nextUpdate) != 1) {
    ERR_clear_error();
    return Checked::fail("the OCSP response is not about this certificate");
  }
  OcspVerdict verdict;
  verdict.thisUpdate = unixTime(thisUpdate);
  verdict.nextUpdate = unixTime(nextUpdate);
  // OCSP_check_validity checks the fields' form and order; the times are
  // compared with `now` here: a thisUpdate a little ahead of the gate's
  // clock is the responder's clock, a nextUpdate passed is expired — never
  // stapled, however recently.
  if (OCSP_check_validity(thisUpdate, nextUpdate, kClockSkewSeconds, -1) != 1 ||
      verdict.thisUpdate > now + kClockSkewSeconds ||
      (verdict.nextUpdate != 0 && verdict.nextUpdate <= now)) {
    ERR_clear_error();
    return Checked::fail("the OCSP response is out of date (this update " +
                         dateOf(verdict.thisUpdate) + ", next update " +
                         (verdict.nextUpdate != 0 ? dateOf(verdict.nextUpdate) : "none") + ")");
  }
  switch (certStatus) {
    case V_OCSP_CERTSTATUS_GOOD:
      verdict.status = OcspStatus::Good;
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      verdict.status = OcspStatus::Revoked;
      verdict.revocation = "revoked at " + dateOf(unixTime(revokedAt)) + " (" +
                           (reason >= 0 ? OCSP_crl_reason_str(reason) : "no reason given") + ")";
      break;
    default:
      verdict.status = OcspStatus::Unknown;
  }
  return Checked::success(std::move(verdict));
}

}  // namespace httpgate::gate
