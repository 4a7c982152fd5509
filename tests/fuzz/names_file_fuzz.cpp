// Fuzz target for httpGate's names file (gate/names_file.h). The input is
// the file's text; accounts come from a fake lookup that answers by the
// user name's first letter. Beyond "no crash" it checks what the router and
// the starter rely on:
//  - every kept entry is routable: a lower-case name that is one clean path
//    segment and unique, a clean prefix, a port or else a redirect URL that
//    can go into a Location field, and a start with a command;
//  - lines are independent: each kept line, parsed alone, gives the same
//    entry; errors and warnings name a line of the file;
//  - the default route is one of the entries, or a port;
//  - the result does not depend on anything but the text.
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gate/config/config.h"
#include "gate/config/names_file.h"
#include "tests/fuzz/fuzz_support.h"

namespace httpgate::gate {
namespace {

// "r..." is root, "g..." has gid 0, "x..." and "" do not exist; anyone
// else is an ordinary user.
std::optional<NamesUser> fakeUser(const std::string& name) {
  if (name.empty() || name[0] == 'x') {
    return std::nullopt;
  }
  if (name[0] == 'r') {
    return NamesUser{0, 0};
  }
  if (name[0] == 'g') {
    return NamesUser{1000, 0};
  }
  return NamesUser{1000, 1000};
}

// Everything parsed, as one string, to compare two results.
std::string describe(const Result<NamesFile>& result) {
  if (!result.ok()) {
    return "error " + result.error();
  }
  const NamesFile& names = result.value();
  std::string out;
  for (const NamesEntry& e : names.entries) {
    out += std::to_string(e.line) + " [" + e.app.name + "] " + std::to_string(e.app.port) + " [" +
           e.app.prefix + "] [" + e.app.redirect + "]";
    if (e.app.start) {
      out += " start [" + e.app.start->user + "] [" + e.app.start->dir + "] [" + e.app.start->log +
             "]";
      for (const std::string& arg : e.app.start->command) {
        out += " [" + arg + "]";
      }
    }
    out += "\n";
  }
  for (const std::string& warning : names.warnings) {
    out += "warning " + warning + "\n";
  }
  return out;
}

bool isControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool hasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), isControl);
}

// As routes.apps requires of a prefix: no byte that ends a path segment or
// breaks the request line.
bool isBadPathByte(char c) {
  return isControl(c) || c == ' ' || c == '?' || c == '#';
}

// The number N of "names:N: ..." (0 when the text is not in that form).
int lineOf(std::string_view message) {
  constexpr std::string_view kFile = "names:";
  if (message.substr(0, kFile.size()) != kFile) {
    return 0;
  }
  int line = 0;
  size_t i = kFile.size();
  for (; i < message.size() && message[i] >= '0' && message[i] <= '9' && line < 1'000'000; ++i) {
    line = line * 10 + (message[i] - '0');
  }
  return message.substr(i, 2) == ": " ? line : 0;
}

// The text of line `number` (1-based).
std::string_view lineText(std::string_view text, int number) {
  for (int n = 1; n < number; ++n) {
    text.remove_prefix(std::min(text.size(), text.find('\n') + 1));
  }
  return text.substr(0, text.find('\n'));
}

void checkEntry(const AppConfig& app) {
  FUZZ_CHECK(!app.name.empty());
  for (char c : app.name) {
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    FUZZ_CHECK(c != '/' && !isBadPathByte(c));
  }
  if (std::all_of(app.name.begin(), app.name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    uint64_t number = 0;
    for (char c : app.name) {
      number = std::min<uint64_t>(number * 10 + static_cast<uint64_t>(c - '0'), 1'000'000);
    }
    FUZZ_CHECK(number < 1024);  // a greater one would hide that port
  }
  if (app.port == 0) {
    FUZZ_CHECK(!app.redirect.empty() && app.prefix.empty() && !app.start);
    FUZZ_CHECK(app.redirect.front() == '/' ||
               (app.redirect.find("://") != std::string::npos && app.redirect.find("://") > 0));
    for (char c : app.redirect) {
      FUZZ_CHECK(!isControl(c) && c != ' ');
    }
    return;
  }
  FUZZ_CHECK(app.redirect.empty());
  if (!app.prefix.empty()) {
    FUZZ_CHECK(app.prefix.front() == '/' && app.prefix.back() != '/');
    FUZZ_CHECK(std::none_of(app.prefix.begin(), app.prefix.end(), isBadPathByte));
  }
  if (app.start) {
    FUZZ_CHECK(!app.start->user.empty() && !app.start->dir.empty());
    FUZZ_CHECK(!app.start->command.empty() && !app.start->command.front().empty());
    FUZZ_CHECK(!hasControl(app.start->user) && !hasControl(app.start->dir) &&
               !hasControl(app.start->log));
    for (const std::string& arg : app.start->command) {
      FUZZ_CHECK(!hasControl(arg));
    }
  }
}

void checkDefault(const NamesFile& names, RoutesConfig& routes) {
  routes.defaultPort = 1;
  routes.defaultApp = "stale";
  const std::optional<std::string> error = applyNamesDefault(names, routes);
  if (error) {
    FUZZ_CHECK(!names.entries.empty() && names.entries.front().app.port == 0);
    FUZZ_CHECK(lineOf(*error) == names.entries.front().line);
    return;
  }
  if (routes.defaultApp.empty()) {
    FUZZ_CHECK(routes.defaultPort != 0);
    return;
  }
  const auto chosen =
      std::find_if(names.entries.begin(), names.entries.end(),
                   [&](const NamesEntry& e) { return e.app.name == routes.defaultApp; });
  FUZZ_CHECK(chosen != names.entries.end() && routes.defaultPort == chosen->app.port);
}

// The apps as the configuration holds them (sorted by name): the router
// finds each by its name in any case.
void checkLookup(const NamesFile& names, RoutesConfig& routes) {
  for (const NamesEntry& e : names.entries) {
    routes.apps.push_back(e.app);
  }
  std::sort(routes.apps.begin(), routes.apps.end(),
            [](const AppConfig& a, const AppConfig& b) { return a.name < b.name; });
  for (const NamesEntry& e : names.entries) {
    std::string upper = e.app.name;
    for (char& c : upper) {
      c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    }
    const AppConfig* found = routes.findApp(upper);
    FUZZ_CHECK(found != nullptr && found->port == e.app.port && found->name == e.app.name);
  }
}

}  // namespace
}  // namespace httpgate::gate

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace httpgate::gate;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = parseNamesFile(text, "names", fakeUser);
  const std::string described = describe(result);
  FUZZ_CHECK(describe(parseNamesFile(text, "names", fakeUser)) == described);

  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  if (!result.ok()) {
    const int line = lineOf(result.error());
    FUZZ_CHECK(line >= 1 && line <= lines);
    return 0;
  }
  const NamesFile& names = result.value();
  FUZZ_CHECK(names.file == "names");
  FUZZ_CHECK(names.entries.size() + names.warnings.size() <= static_cast<size_t>(lines));
  int previous = 0;
  for (const NamesEntry& e : names.entries) {
    FUZZ_CHECK(e.line > previous && e.line <= lines);
    previous = e.line;
    checkEntry(e.app);
    for (const NamesEntry& other : names.entries) {
      FUZZ_CHECK(&other == &e || other.app.name != e.app.name);
    }
    // The line alone gives the same entry.
    const auto alone = parseNamesFile(lineText(text, e.line), "names", fakeUser);
    FUZZ_CHECK(alone.ok() && alone.value().entries.size() == 1 && alone.value().warnings.empty());
    NamesFile expected;
    expected.entries.push_back({e.app, 1});
    FUZZ_CHECK(describe(alone) ==
               describe(httpgate::Result<NamesFile>::success(std::move(expected))));
  }
  for (const std::string& warning : names.warnings) {
    const int line = lineOf(warning);
    FUZZ_CHECK(line >= 1 && line <= lines);
    FUZZ_CHECK(warning.ends_with("; line skipped"));
  }
  RoutesConfig routes;  // one for both: GCC 12 warns about a second one (PR 107919)
  checkDefault(names, routes);
  checkLookup(names, routes);
  return 0;
}
