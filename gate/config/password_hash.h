// The password hashes admin.users accepts: crypt(3) strings of the schemes
// that are still slow to brute-force, bcrypt ("$2b$", "$2y$") and
// SHA-512-crypt ("$6$"). Checked by form at load time, so that a typo or a
// weak scheme is a configuration error and not a login that never works.
#pragma once

#include <string>
#include <string_view>

namespace httpgate::gate {

// "" when `hash` is a well-formed bcrypt or SHA-512-crypt hash, else what
// is wrong with it, for "admin.users.NAME: <problem>": empty, DES or
// MD5-crypt (too weak), another scheme, or malformed.
std::string passwordHashProblem(std::string_view hash);

// "" when `name` may be an admin user name, else what is wrong: empty, a
// colon (HTTP basic authentication splits "name:password" at the first
// one) or a control character.
std::string userNameProblem(std::string_view name);

}  // namespace httpgate::gate
