// httpGate's command line, "PORT DEFAULT [KEY,CERT [DENIED-PORT ...]]",
// turned into a Config in code (no YAML): one dual-stack listener on
// [::]:PORT, DEFAULT a port or a names file, TLS when KEY,CERT is given,
// DENIED-PORTs answered with 403, ./void as the void page, no access log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "gate/config/config.h"

namespace httpgate::gate {

struct LegacyArgs {
  uint16_t port = 0;         // PORT: 0 binds an ephemeral port (tests)
  uint16_t defaultPort = 0;  // DEFAULT when it is a number
  std::string namesFile;     // DEFAULT when it is not: absolute path
  std::string keyFile;       // empty: plain HTTP
  std::string certFile;      // the same file as keyFile for a single PEM
  std::vector<uint16_t> deny;
  std::string voidFile;  // absolute path of "void" in the start-up directory
};

// Parses the positional arguments `args` (PORT first); relative paths are
// made absolute against `cwd`, as the gate may later change directory.
// Returns the message for a wrong command line (exit status 2).
Result<LegacyArgs> parseLegacyArgs(const std::vector<std::string>& args, const std::string& cwd);

// Builds the configuration; reads the names file and the void page (when
// the file exists) each time, so that calling it again on HUP picks up
// their edits. Returns an error message such as "names:3: ...".
Result<Config> buildLegacyConfig(const LegacyArgs& args);

// Reads the void page at `path` into `page`, which stays nullopt when there
// is no such file (httpGate then closes instead of answering 410). Returns
// "" or what went wrong. Called per 410 in the legacy mode.
std::string readVoidPage(const std::string& path, std::optional<std::string>& page);

// The name under which a legacy configuration appears in messages.
inline constexpr const char* kLegacyConfigName = "command line";

}  // namespace httpgate::gate
