// PicoLisp httpGate's "names" file: one application per line,
//   NAME[/INS] PORT USER DIR LOG [COMMAND [ARG...]]
//   NAME 0 URL                                        (a 302 redirect)
// read into AppConfig entries with httpGate's rules (see httpgate(8)).
// Lines httpGate would skip (an unknown user, uid or gid 0) are skipped with
// a warning; lines it would misread (missing fields, a bad port) are errors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "gate/config/config.h"

namespace httpgate::gate {

// What the parser needs to know of an account.
struct NamesUser {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks an account up by name; nullopt when there is none. Injected so that
// tests do not depend on the machine's /etc/passwd.
using UserLookup = std::function<std::optional<NamesUser>(const std::string& name)>;

// The lookup of the running system (getpwnam_r).
UserLookup systemUserLookup();

struct NamesEntry {
  AppConfig app;
  int line = 0;  // 1-based line in the file
};

struct NamesFile {
  std::string file;                   // as named in messages
  std::vector<NamesEntry> entries;    // the kept lines, in file order
  std::vector<std::string> warnings;  // "FILE:LINE: ...; line skipped"
};

// Parses `text`, naming it `file` in messages ("FILE:LINE: message").
// Names are lower-cased; a name given twice (ignoring case) is an error.
Result<NamesFile> parseNamesFile(std::string_view text, const std::string& file,
                                 const UserLookup& lookup);

// Reads the file at `path` and parses it; an unreadable file is the error
// `cannot read "PATH": <strerror>`.
Result<NamesFile> readNamesFile(const std::string& path, const UserLookup& lookup);

// Sets routes.defaultApp / defaultPort the way httpGate picks its default:
// the "@" entry, else the only entry when there is exactly one, else the
// port of the first entry (8080 for a file without entries). Returns an
// error when that first entry is a redirect, which has no port to go to.
std::optional<std::string> applyNamesDefault(const NamesFile& names, RoutesConfig& routes);

}  // namespace httpgate::gate
