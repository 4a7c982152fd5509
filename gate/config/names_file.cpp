// The names-file parser. httpGate's readNames() splits each line with
// strtok(" \n"), so only spaces separate fields; this parser keeps that and
// refuses what httpGate would misread (it would crash on a missing field,
// and read a bad port as 0, i.e. as a redirect).
#include "gate/config/names_file.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/http/chars.h"
#include "gate/config/config_file_text.h"
#include "gate/config/config_values.h"

namespace httpgate::gate {

namespace {

// A names file with thousands of entries is a few hundred KiB.
constexpr size_t kMaxNamesFile = 16 * 1024 * 1024;

// One line's problem; the caller adds "FILE:LINE: ".
struct LineError {
  std::string message;
};

std::vector<std::string_view> splitOnSpaces(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t start = line.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) {
      break;
    }
    const size_t end = std::min(line.find(' ', start), line.size());
    tokens.push_back(line.substr(start, end - start));
    pos = end;
  }
  return tokens;
}

// Tabs and carriage returns would end up inside fields (httpGate splits on
// spaces only): say so instead of routing a name with a CR in it.
void checkControlCharacters(std::string_view line) {
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", u);
      throw LineError{std::string("control character ") + hex +
                      " in the line (fields are separated by spaces only)"};
    }
  }
}

std::string lowerName(std::string_view written) {
  std::string name = http::asciiLower(written);
  if (name.empty()) {
    throw LineError{"the name is empty"};
  }
  if (name.find_first_of("?#") != std::string::npos) {
    throw LineError{"name \"" + std::string(written) + "\" must not contain '?' or '#'"};
  }
  // As in routes.apps: a numeric name of 1024 or more would hide that port.
  if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      !parseNumber(name, 1023)) {
    throw LineError{"name \"" + std::string(written) +
                    "\" is a port number; numeric names must be below 1024"};
  }
  return name;
}

// "name/ins" inserts "/ins" in front of the forwarded rest; trailing slashes
// are dropped so that "/name/x" becomes "/ins/x", never "/ins//x".
std::string insertion(std::string_view ins) {
  if (ins.find_first_of("?#") != std::string_view::npos) {
    throw LineError{"the inserted path \"" + std::string(ins) + "\" must not contain '?' or '#'"};
  }
  while (!ins.empty() && ins.back() == '/') {
    ins.remove_suffix(1);
  }
  return ins.empty() ? std::string() : "/" + std::string(ins);
}

uint16_t portNumber(const std::vector<std::string_view>& tokens) {
  if (tokens.size() < 2) {
    throw LineError{"missing the port after the name"};
  }
  const auto port = parseNumber(tokens[1], 65535);
  if (!port) {
    throw LineError{"invalid port \"" + std::string(tokens[1]) +
                    "\" (expected 0 for a redirect, or 1 to 65535)"};
  }
  return static_cast<uint16_t>(*port);
}

// "NAME 0 URL": the URL goes into a Location field, so it must be one.
std::string redirectUrl(const std::vector<std::string_view>& tokens) {
  if (tokens.size() < 3) {
    throw LineError{"missing the URL of the redirect (NAME 0 URL)"};
  }
  if (tokens.size() > 3) {
    throw LineError{"unexpected \"" + std::string(tokens[3]) + "\" after the redirect URL"};
  }
  const std::string url(tokens[2]);
  const size_t scheme = url.find("://");
  if (!(url.front() == '/' || (scheme != std::string::npos && scheme > 0))) {
    throw LineError{"invalid redirect URL \"" + url +
                    "\" (expected one such as https://example.org/path)"};
  }
  return url;
}

// httpGate's caret: "^" alone is an empty field (an empty argument, no log
// file); any other '^' is a space. httpGate reads every token that merely
// starts with '^' as empty, which is never what "^x" meant: refused.
std::string caret(std::string_view token, const char* what) {
  if (token == "^") {
    return {};
  }
  if (token.front() == '^') {
    throw LineError{std::string(what) + " \"" + std::string(token) +
                    "\" starts with '^' (write ^ alone for an empty one)"};
  }
  std::string text(token);
  std::replace(text.begin(), text.end(), '^', ' ');
  return text;
}

void requireStartFields(const std::vector<std::string_view>& tokens) {
  static const char* const kMissing[] = {
      "missing the user (NAME PORT USER DIR LOG [COMMAND ARG...])",
      "missing the directory (NAME PORT USER DIR LOG [COMMAND ARG...])",
      "missing the log file (NAME PORT USER DIR LOG [COMMAND ARG...]; ^ for none)",
  };
  if (tokens.size() < 5) {
    throw LineError{kMissing[std::max<size_t>(tokens.size(), 2) - 2]};
  }
}

// Parses a non-comment line. Returns nullopt (and a warning) for a line
// httpGate skips; throws LineError for a malformed one.
std::optional<AppConfig> parseLine(const std::vector<std::string_view>& tokens,
                                   const UserLookup& lookup, std::string& warning) {
  AppConfig app;
  const std::string_view first = tokens[0];
  const size_t slash = first.find('/');
  app.name = lowerName(first.substr(0, slash));
  const std::string prefix =
      slash == std::string_view::npos ? "" : insertion(first.substr(slash + 1));
  app.port = portNumber(tokens);
  if (app.port == 0) {
    if (!prefix.empty()) {
      throw LineError{"a redirect (port 0) takes no inserted path"};
    }
    app.redirect = redirectUrl(tokens);
    return app;
  }
  app.prefix = prefix;
  requireStartFields(tokens);
  const std::string user(tokens[2]);
  const std::optional<NamesUser> account = lookup(user);
  if (!account) {
    warning = "unknown user \"" + user + "\"; line skipped";
    return std::nullopt;
  }
  if (account->uid == 0 || account->gid == 0) {
    warning = "user \"" + user + "\" has uid or gid 0 (applications never run as root); " +
              "line skipped";
    return std::nullopt;
  }
  if (tokens.size() > 5) {
    AppStart start;
    start.user = user;
    start.dir = std::string(tokens[3]);
    start.log = caret(tokens[4], "the log file");
    for (size_t i = 5; i < tokens.size(); ++i) {
      start.command.push_back(caret(tokens[i], "the argument"));
    }
    if (start.command.front().empty()) {
      throw LineError{"the command must not be empty"};
    }
    app.start = std::move(start);  // wait: AppStart's default, 20 s
  } else {
    caret(tokens[4], "the log file");  // checked even when nothing starts
  }
  return app;
}

std::string at(const std::string& file, int line, std::string_view message) {
  return file + ":" + std::to_string(line) + ": " + std::string(message);
}

}  // namespace

UserLookup systemUserLookup() {
  return [](const std::string& name) -> std::optional<NamesUser> {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    while (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == ERANGE) {
      buffer.resize(buffer.size() * 2);
    }
    if (found == nullptr) {
      return std::nullopt;
    }
    return NamesUser{entry.pw_uid, entry.pw_gid};
  };
}

Result<NamesFile> parseNamesFile(std::string_view text, const std::string& file,
                                 const UserLookup& lookup) {
  NamesFile names;
  names.file = file;
  int lineNumber = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNumber;
    const size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos || line[start] == '#') {
      continue;
    }
    try {
      checkControlCharacters(line);
      std::string warning;
      std::optional<AppConfig> app = parseLine(splitOnSpaces(line), lookup, warning);
      if (!app) {
        names.warnings.push_back(at(file, lineNumber, warning));
        continue;
      }
      for (const NamesEntry& other : names.entries) {
        if (other.app.name == app->name) {
          throw LineError{"duplicate name \"" + app->name + "\" (first on line " +
                          std::to_string(other.line) + "; names ignore case)"};
        }
      }
      names.entries.push_back({std::move(*app), lineNumber});
    } catch (const LineError& error) {
      return Result<NamesFile>::fail(at(file, lineNumber, error.message));
    }
  }
  return Result<NamesFile>::success(std::move(names));
}

Result<NamesFile> readNamesFile(const std::string& path, const UserLookup& lookup) {
  std::string text;
  if (const int error = readRegularFile(path, text, kMaxNamesFile); error == EFBIG) {
    return Result<NamesFile>::fail("\"" + path + "\" is larger than 16 MiB");
  } else if (error != 0) {
    return Result<NamesFile>::fail("cannot read \"" + path + "\": " + std::strerror(error));
  }
  return parseNamesFile(text, path, lookup);
}

std::optional<std::string> applyNamesDefault(const NamesFile& names, RoutesConfig& routes) {
  const NamesEntry* chosen = nullptr;
  for (const NamesEntry& entry : names.entries) {
    if (entry.app.name == "@") {
      chosen = &entry;
    }
  }
  if (chosen == nullptr && names.entries.size() == 1) {
    chosen = &names.entries.front();
  }
  if (chosen != nullptr) {
    // The router takes port, prefix-less path and redirect from the app.
    routes.defaultApp = chosen->app.name;
    routes.defaultPort = chosen->app.port;
    return std::nullopt;
  }
  routes.defaultApp.clear();
  if (names.entries.empty()) {
    routes.defaultPort = 8080;  // httpGate's default without entries
    return std::nullopt;
  }
  const NamesEntry& first = names.entries.front();
  if (first.app.port == 0) {
    return at(names.file, first.line,
              "the first entry is the default route (there is no \"@\" entry), so it needs a "
              "port, not a redirect");
  }
  routes.defaultPort = first.app.port;
  return std::nullopt;
}

}  // namespace httpgate::gate
