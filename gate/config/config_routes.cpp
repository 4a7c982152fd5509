// routes: where requests go (the router in router.cpp reads what is built
// here), and the two lookups the router uses.
#include <algorithm>

#include "common/http/chars.h"
#include "gate/config/config_sections.h"
#include "gate/config/config_values.h"

namespace httpgate::gate {

namespace {

// Compares `name` lower-cased with an app's (already lower-case) name, byte
// by byte as unsigned chars, like std::string's operator<.
int compareName(std::string_view name, std::string_view appName) {
  const size_t n = std::min(name.size(), appName.size());
  for (size_t i = 0; i < n; ++i) {
    const auto a = static_cast<unsigned char>(http::asciiLower(name[i]));
    const auto b = static_cast<unsigned char>(appName[i]);
    if (a != b) {
      return a < b ? -1 : 1;
    }
  }
  if (name.size() == appName.size()) {
    return 0;
  }
  return name.size() < appName.size() ? -1 : 1;
}

}  // namespace

// A binary search without allocation: the router calls this per request.
const AppConfig* RoutesConfig::findApp(std::string_view name) const {
  size_t low = 0;
  size_t high = apps.size();
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    const int order = compareName(name, apps[mid].name);
    if (order == 0) {
      return &apps[mid];
    }
    if (order < 0) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return nullptr;
}

const BackendHost& RoutesConfig::hostFor(uint16_t port) const {
  for (const HostRange& range : hosts) {
    if (range.range.contains(port)) {
      return range.host;
    }
  }
  return backend;
}

namespace detail {

namespace {

BackendHost parseHost(const ConfigValue& value) {
  BackendHost host;
  host.name = value.string();
  auto resolved = resolveHost(host.name);
  if (!resolved.ok()) {
    value.fail(std::move(resolved).error());
  }
  host.socket = resolved.value();
  return host;
}

PortRange parseRange(const ConfigValue& value) {
  auto parsed = parsePortRange(value.scalar("expected a port or a range such as \"1024-65535\""));
  if (!parsed.ok()) {
    value.fail(std::move(parsed).error());
  }
  return parsed.value();
}

std::vector<PortRange> parseRanges(const ConfigValue& value) {
  std::vector<PortRange> ranges;
  for (const ConfigValue& item : value.list()) {
    ranges.push_back(parseRange(item));
  }
  return ranges;
}

void parsePorts(const ConfigValue& value, RoutesConfig& routes) {
  const ConfigMap map = value.map({"allow", "deny"});
  if (const ConfigValue* allow = map.find("allow")) {
    routes.allow = parseRanges(*allow);
  }
  if (const ConfigValue* deny = map.find("deny")) {
    routes.deny = parseRanges(*deny);
  }
}

void parseHosts(const ConfigValue& value, RoutesConfig& routes) {
  for (const ConfigValue& item : value.list()) {
    const ConfigMap map = item.map({"range", "host", "fail_after", "down_for", "tls"});
    HostRange entry;
    entry.range = parseRange(map.require("range"));
    entry.host = parseHost(map.require("host"));
    if (const ConfigValue* tls = map.find("tls")) {
      entry.host.tls = parseHostTls(*tls);
    }
    parseHostHealth(map, entry, routes.hosts);
    routes.hosts.push_back(std::move(entry));
  }
}

// `default:` is a port, or the name of an app (looked up after apps:, which
// may come later in the file).
void parseDefault(const ConfigValue& value, RoutesConfig& routes) {
  const std::string text = value.scalar("expected a port or the name of an app");
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    routes.defaultPort = static_cast<uint16_t>(value.number(1, 65535));
    return;
  }
  const AppConfig* app = routes.findApp(text);
  if (app == nullptr) {
    value.fail("unknown app \"" + text + "\" (expected a port or the name of an app)");
  }
  routes.defaultApp = app->name;
  routes.defaultPort = app->port;
}

// raw_paths: final path segments, compared exactly with the last segment of
// a request's path (before any '?'), so neither '/' nor '?' can be in one.
std::vector<std::string> parseRawPaths(const ConfigValue& value) {
  std::vector<std::string> segments;
  for (const ConfigValue& item : value.list()) {
    std::string segment = item.scalar("expected a final path segment such as \"!replica\"");
    if (segment.empty()) {
      item.fail("empty (expected a final path segment such as \"!replica\")");
    }
    for (char c : segment) {
      if (c == '/' || c == '?' || static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
        item.fail("\"" + segment +
                  "\" is not one path segment (no '/', '?', space or control character)");
      }
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

}  // namespace

void parseRoutes(const ConfigValue& value, RoutesConfig& routes, const std::string& configFile) {
  const ConfigMap map =
      value.map({"default", "backend", "ports", "hosts", "apps", "names_file", "raw_paths"});
  const ConfigValue* apps = map.find("apps");
  if (apps != nullptr) {
    routes.apps = parseApps(*apps);
  }
  const ConfigValue* defaultRoute = map.find("default");
  // Before default:, which may name an app of the names file.
  if (const ConfigValue* namesFile = map.find("names_file")) {
    mergeNamesFile(*namesFile, apps, routes, configFile, defaultRoute != nullptr);
  }
  if (defaultRoute != nullptr) {
    parseDefault(*defaultRoute, routes);
  }
  if (const ConfigValue* backend = map.find("backend")) {
    routes.backend = parseHost(*backend);
  }
  if (const ConfigValue* ports = map.find("ports")) {
    parsePorts(*ports, routes);
  }
  if (const ConfigValue* hosts = map.find("hosts")) {
    parseHosts(*hosts, routes);
  }
  if (const ConfigValue* rawPaths = map.find("raw_paths")) {
    routes.rawPaths = parseRawPaths(*rawPaths);
  }
}

}  // namespace detail

}  // namespace httpgate::gate
