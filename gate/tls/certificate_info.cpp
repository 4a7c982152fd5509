#include "gate/tls/certificate_info.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <string_view>

#include "common/http/chars.h"

namespace httpgate::gate {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

std::string asciiText(const ASN1_STRING* text) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                     static_cast<size_t>(ASN1_STRING_length(text)));
}

// The CN of `name`, or "" when it has none.
std::string commonName(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) {
    return {};
  }
  return asciiText(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

// The issuer for people: its CN, else the whole name ("O=Example, C=DE").
std::string issuerOf(X509* cert) {
  const X509_NAME* issuer = X509_get_issuer_name(cert);
  std::string cn = commonName(issuer);
  if (!cn.empty()) {
    return cn;
  }
  char* line = X509_NAME_oneline(issuer, nullptr, 0);
  std::string text = line != nullptr ? line : "";
  OPENSSL_free(line);
  return text;
}

// notAfter as Unix time; 0 when OpenSSL cannot read it (a certificate
// OpenSSL loaded always has a valid one).
time_t notAfterOf(X509* cert) {
  tm when{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &when) != 1) {
    ERR_clear_error();
    return 0;
  }
  return timegm(&when);
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "(no names)" : text;
}

}  // namespace

std::vector<std::string> certificateNames(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type == GEN_DNS) {
        names.push_back(http::asciiLower(asciiText(name->d.dNSName)));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    std::string cn = commonName(X509_get_subject_name(cert));
    if (!cn.empty()) {
      names.push_back(http::asciiLower(cn));
    }
  }
  return names;
}

CertificateInfo describeCertificate(X509* cert, std::string file) {
  CertificateInfo info;
  info.file = std::move(file);
  info.names = certificateNames(cert);
  info.issuer = issuerOf(cert);
  info.notAfter = notAfterOf(cert);
  return info;
}

int64_t daysLeft(time_t notAfter, time_t now) {
  const int64_t seconds = static_cast<int64_t>(notAfter) - static_cast<int64_t>(now);
  // Rounded toward minus infinity, so that one second past notAfter is -1.
  return seconds >= 0 ? seconds / kSecondsPerDay : -((-seconds - 1) / kSecondsPerDay) - 1;
}

std::string isoDate(time_t time) {
  tm when{};
  gmtime_r(&time, &when);
  char text[32];
  strftime(text, sizeof(text), "%Y-%m-%d", &when);
  return text;
}

std::string isoDateTime(time_t time) {
  tm when{};
  gmtime_r(&time, &when);
  char text[32];
  strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &when);
  return text;
}

std::string certificateFingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string expiryWarning(const CertificateInfo& info, time_t now) {
  const int64_t days = daysLeft(info.notAfter, now);
  if (days >= kCertificateWarningDays) {
    return {};
  }
  std::string text = "certificate " + info.file + " (" + info.label() + ") ";
  if (info.notAfter <= now) {
    const int64_t ago = (static_cast<int64_t>(now) - info.notAfter) / kSecondsPerDay;
    return text + "expired " + std::to_string(ago) + " days ago, on " + isoDate(info.notAfter);
  }
  return text + "expires in " + std::to_string(days) + " days, on " + isoDate(info.notAfter);
}

std::string certificateCheckLine(const CertificateInfo& info, time_t now) {
  const int64_t days = daysLeft(info.notAfter, now);
  std::string line = "certificate " + info.file + ": " + joined(info.names) + "; issuer " +
                     (info.issuer.empty() ? "(none)" : info.issuer) + "; not after " +
                     isoDate(info.notAfter);
  if (info.notAfter <= now) {
    const int64_t ago = (static_cast<int64_t>(now) - info.notAfter) / kSecondsPerDay;
    return line + " (expired " + std::to_string(ago) + " days ago) -- EXPIRED";
  }
  line += " (" + std::to_string(days) + " days left)";
  if (days < kCertificateWarningDays) {
    line += " -- EXPIRES SOON";
  }
  return line;
}

void CertificateRegistry::publish(std::shared_ptr<const CertificateList> list) {
  std::lock_guard lock(mutex_);
  current_ = std::move(list);
}

std::shared_ptr<const CertificateList> CertificateRegistry::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace httpgate::gate
