// HTTP basic authentication (RFC 7617) for the admin endpoint: reading the
// Authorization field, and checking a name and password against
// admin.users with crypt(3). Runs on the admin thread only, never on a
// worker: a bcrypt check takes a good fraction of a second by design.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate {

// A longer Authorization field is refused unread: a user name and a
// password fit easily, and the decoding stays bounded.
constexpr size_t kMaxAuthorization = 1024;

struct BasicCredentials {
  std::string name;
  std::string password;
};

// The credentials in the Authorization field value `value`: "Basic" (any
// case), spaces, then base64 of "name:password" (split at the first colon;
// the password may hold more). Nullopt when it is another scheme, longer
// than kMaxAuthorization, not strict base64 (padding included), or has no
// colon.
std::optional<BasicCredentials> parseBasicAuthorization(std::string_view value);

// The strict base64 decoding (RFC 4648 section 4, with padding) of `text`,
// or nullopt.
std::optional<std::string> decodeBase64(std::string_view text);

// admin.users, ready to check. Immutable: a reload makes a new one.
class AdminAuthenticator {
 public:
  explicit AdminAuthenticator(std::vector<AdminUser> users) : users_(std::move(users)) {}

  // Whether requests need credentials (admin.users is not empty).
  bool required() const { return !users_.empty(); }

  // Whether `credentials` name a user and its password. crypt(3) runs
  // exactly once whatever the name: on the user's hash, or, for a name
  // that is not a user, on the first user's hash (the same scheme and
  // cost), so that the time taken does not tell whether a name exists; the
  // result is compared in constant time.
  bool check(const BasicCredentials& credentials) const;

 private:
  std::vector<AdminUser> users_;
};

}  // namespace httpgate::gate
