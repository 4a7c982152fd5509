#include "gate/admin/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>

#include <array>
#include <memory>

#include "common/http/chars.h"

namespace httpgate::gate {
namespace {

// The value of each base64 character, -1 for the others.
constexpr std::array<int8_t, 256> base64Values() {
  std::array<int8_t, 256> values{};
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = -1;
  }
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return values;
}
constexpr std::array<int8_t, 256> kBase64 = base64Values();

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    // Padding only at the very end: "xx==" or "xxx=".
    const size_t padding = !last ? 0 : text[i + 3] != '=' ? 0 : text[i + 2] != '=' ? 1 : 2;
    uint32_t bits = 0;
    for (size_t j = 0; j < 4 - padding; ++j) {
      const int8_t value = kBase64[static_cast<unsigned char>(text[i + j])];
      if (value < 0) {
        return std::nullopt;
      }
      bits |= static_cast<uint32_t>(value) << (18 - 6 * j);
    }
    out.push_back(static_cast<char>(bits >> 16));
    if (padding < 2) {
      out.push_back(static_cast<char>((bits >> 8) & 0xff));
    }
    if (padding < 1) {
      out.push_back(static_cast<char>(bits & 0xff));
    }
  }
  return out;
}

std::optional<BasicCredentials> parseBasicAuthorization(std::string_view value) {
  constexpr std::string_view kScheme = "basic";
  if (value.size() > kMaxAuthorization || value.size() <= kScheme.size() ||
      !http::iequals(value.substr(0, kScheme.size()), kScheme) || value[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  const std::optional<std::string> decoded = decodeBase64(value);
  if (!decoded) {
    return std::nullopt;
  }
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool AdminAuthenticator::check(const BasicCredentials& credentials) const {
  if (users_.empty()) {
    return false;
  }
  // Every user is looked at, so that where a name is in the list does not
  // show in the time either.
  const AdminUser* user = nullptr;
  for (const AdminUser& candidate : users_) {
    if (candidate.name == credentials.name && user == nullptr) {
      user = &candidate;
    }
  }
  const std::string& hash = user != nullptr ? user->hash : users_.front().hash;
  // crypt_rn: reentrant, with the work area on the heap (it is ~32 KiB);
  // a NUL in the password would cut it short, so such a password fails.
  auto data = std::make_unique<crypt_data>();
  const char* result = crypt_rn(credentials.password.c_str(), hash.c_str(), data.get(),
                                static_cast<int>(sizeof(crypt_data)));
  const bool matches = result != nullptr && result[0] != '*' &&
                       std::string_view(result).size() == hash.size() &&
                       CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
  const bool clean = credentials.password.find('\0') == std::string::npos;
  return matches && clean && user != nullptr;
}

}  // namespace httpgate::gate
