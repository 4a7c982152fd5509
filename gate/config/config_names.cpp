// routes.names_file: a legacy httpGate names file next to the YAML
// configuration. Its entries join routes.apps; it is read again at every
// load, so a HUP picks up its edits like those of the YAML file.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/http/chars.h"
#include "gate/config/config_sections.h"
#include "gate/config/names_file.h"

namespace httpgate::gate::detail {

namespace {

// `path` as written, or relative to the directory of `configFile`.
std::string resolveAgainst(const std::string& path, const std::string& configFile) {
  if (path.front() == '/') {
    return path;
  }
  const size_t slash = configFile.rfind('/');
  return slash == std::string::npos ? path : configFile.substr(0, slash + 1) + path;
}

// Fails at the YAML key of the app called `name` (already lower-case).
[[noreturn]] void failConflict(const ConfigValue& apps, const std::string& name,
                               const NamesFile& names, int line) {
  const std::string message = "app \"" + name + "\" is also in the names file (" + names.file +
                              ":" + std::to_string(line) + ")";
  const ConfigMap map = apps.openMap();
  for (const ConfigMap::Entry& entry : map.entries()) {
    if (http::asciiLower(entry.name) == name) {
      throw ConfigFailure{entry.namePos, entry.value.key(), message};
    }
  }
  apps.fail(message);
}

}  // namespace

void mergeNamesFile(const ConfigValue& value, const ConfigValue* apps, RoutesConfig& routes,
                    const std::string& configFile, bool keepDefault) {
  const std::string written = value.string();
  if (written.empty()) {
    return;
  }
  routes.namesFile = resolveAgainst(written, configFile);
  auto read = readNamesFile(routes.namesFile, systemUserLookup());
  if (!read.ok()) {
    value.fail(std::move(read).error());
  }
  const NamesFile& names = read.value();
  for (const std::string& warning : names.warnings) {
    spdlog::warn("{}", warning);
  }
  for (const NamesEntry& entry : names.entries) {
    if (apps != nullptr && routes.findApp(entry.app.name) != nullptr) {
      failConflict(*apps, entry.app.name, names, entry.line);
    }
  }
  for (const NamesEntry& entry : names.entries) {
    routes.apps.push_back(entry.app);
  }
  // The router looks names up by binary search (RoutesConfig::findApp).
  std::sort(routes.apps.begin(), routes.apps.end(),
            [](const AppConfig& a, const AppConfig& b) { return a.name < b.name; });
  if (!keepDefault) {
    if (auto error = applyNamesDefault(names, routes)) {
      value.fail(std::move(*error));
    }
  }
}

}  // namespace httpgate::gate::detail
