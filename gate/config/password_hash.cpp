#include "gate/config/password_hash.h"

#include <cctype>

namespace httpgate::gate {
namespace {

constexpr const char* kUse = "; use bcrypt ($2b$) or SHA-512-crypt ($6$)";

// crypt(3)'s base-64 alphabet: "./0-9A-Za-z".
bool isCryptChar(char c) {
  return c == '.' || c == '/' || std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool allCryptChars(std::string_view text) {
  for (const char c : text) {
    if (!isCryptChar(c)) {
      return false;
    }
  }
  return true;
}

bool allDigits(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

// "$2b$NN$" + 22 characters of salt + 31 of hash; cost NN from 04 to 31.
bool isBcrypt(std::string_view hash) {
  if (hash.size() != 60 || hash[6] != '$' || !allDigits(hash.substr(4, 2))) {
    return false;
  }
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  return cost >= 4 && cost <= 31 && allCryptChars(hash.substr(7));
}

// "$6$" ["rounds=N$"] salt (1 to 16 characters) "$" + 86 characters of hash.
bool isSha512Crypt(std::string_view hash) {
  std::string_view rest = hash.substr(3);
  constexpr std::string_view kRounds = "rounds=";
  if (rest.substr(0, kRounds.size()) == kRounds) {
    const size_t end = rest.find('$');
    if (end == std::string_view::npos || end - kRounds.size() > 9 ||
        !allDigits(rest.substr(kRounds.size(), end - kRounds.size()))) {
      return false;
    }
    rest.remove_prefix(end + 1);
  }
  const size_t end = rest.find('$');
  if (end == std::string_view::npos || end == 0 || end > 16) {
    return false;
  }
  const std::string_view salt = rest.substr(0, end);
  const std::string_view digest = rest.substr(end + 1);
  return allCryptChars(salt) && digest.size() == 86 && allCryptChars(digest);
}

}  // namespace

std::string passwordHashProblem(std::string_view hash) {
  if (hash.empty()) {
    return "empty password hash; make one with \"mkpasswd -m sha-512\" or \"openssl passwd -6\"";
  }
  if (hash.substr(0, 4) == "$2b$" || hash.substr(0, 4) == "$2y$") {
    return isBcrypt(hash) ? "" : "malformed bcrypt hash";
  }
  if (hash.substr(0, 3) == "$6$") {
    return isSha512Crypt(hash) ? "" : "malformed SHA-512-crypt hash";
  }
  if (hash.substr(0, 3) == "$1$") {
    return std::string("MD5-crypt ($1$) is too weak") + kUse;
  }
  if (hash[0] != '$') {
    return std::string("not a supported password hash (DES crypt is too weak)") + kUse;
  }
  const size_t end = hash.find('$', 1);
  const std::string_view scheme = hash.substr(0, end == std::string_view::npos ? 1 : end + 1);
  return "unsupported hash scheme \"" + std::string(scheme) + "\"" + kUse;
}

std::string userNameProblem(std::string_view name) {
  if (name.empty()) {
    return "empty user name";
  }
  for (const char c : name) {
    if (c == ':') {
      return "a user name cannot contain ':'";
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return "a user name cannot contain control characters";
    }
  }
  return {};
}

}  // namespace httpgate::gate
