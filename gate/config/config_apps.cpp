// routes.apps: named applications, httpGate's "names". /NAME/rest goes to the
// app's port (started on demand when `start` is given) or, for a redirect
// app, to its URL.
#include <algorithm>

#include "common/http/chars.h"
#include "gate/config/config_sections.h"
#include "gate/config/config_values.h"

namespace httpgate::gate::detail {

namespace {

// Bytes that would end a path segment or break the request line.
bool isBadPathByte(unsigned char c) {
  return c <= 0x20 || c == 0x7f || c == '?' || c == '#';
}

// Lower-cases `written` and checks it can be a first path segment. All-digit
// names below 1024 are allowed as in httpGate (ports that low are never
// session ports); higher ones would hide the port of the same number.
std::string appName(const ConfigMap::Entry& entry) {
  const std::string& written = entry.name;
  const auto fail = [&](std::string message) {
    throw ConfigFailure{entry.namePos, entry.value.key(), std::move(message)};
  };
  std::string name = http::asciiLower(written);
  if (name.empty()) {
    fail("an app name must not be empty");
  }
  if (std::any_of(name.begin(), name.end(), [](char c) {
        return c == '/' || isBadPathByte(static_cast<unsigned char>(c));
      })) {
    fail("app name \"" + written +
         "\" must not contain '/', '?', '#', spaces or control characters");
  }
  if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      !parseNumber(name, 1023)) {
    fail("app name \"" + written + "\" is a port number; numeric app names must be below 1024");
  }
  return name;
}

// "" stays ""; otherwise one leading '/' and no trailing '/': "app/" -> "/app".
std::string normalizePrefix(const ConfigValue& value) {
  std::string prefix = value.string();
  if (std::any_of(prefix.begin(), prefix.end(),
                  [](char c) { return isBadPathByte(static_cast<unsigned char>(c)); })) {
    value.fail("invalid prefix \"" + prefix + "\" (no spaces, control characters, '?' or '#')");
  }
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.pop_back();
  }
  if (!prefix.empty() && prefix.front() != '/') {
    prefix.insert(prefix.begin(), '/');
  }
  return prefix;
}

// A Location value: an absolute URL or an absolute path, with nothing that
// could split the response header.
std::string redirectUrl(const ConfigValue& value) {
  const std::string url = value.string();
  const size_t scheme = url.find("://");
  const bool absolute = scheme != std::string::npos && scheme > 0;
  const bool path = !url.empty() && url.front() == '/';
  const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  if (!(absolute || path) || !clean) {
    value.fail("expected a URL such as \"https://example.org/path\"");
  }
  return url;
}

std::vector<std::pair<std::string, std::string>> parseEnv(const ConfigValue& value) {
  std::vector<std::pair<std::string, std::string>> env;
  const ConfigMap map = value.openMap();
  for (const ConfigMap::Entry& entry : map.entries()) {
    if (entry.name.empty() || entry.name.find('=') != std::string::npos) {
      entry.value.fail("invalid environment variable name");
    }
    env.emplace_back(entry.name, entry.value.string());
  }
  return env;
}

AppStart parseStart(const ConfigValue& value) {
  const ConfigMap map = value.map({"user", "dir", "log", "command", "env", "wait"});
  AppStart start;
  const ConfigValue& user = map.require("user");
  start.user = user.string();
  const std::string home = checkUser(user, start.user, false);
  // httpGate runs the app in its directory; without one, the user's home.
  start.dir = home;
  if (const ConfigValue* dir = map.find("dir")) {
    if (std::string text = dir->string(); !text.empty()) {
      start.dir = std::move(text);
    }
  }
  if (const ConfigValue* log = map.find("log")) {
    start.log = log->string();
  }
  const ConfigValue& command = map.require("command");
  for (const ConfigValue& item : command.list()) {
    start.command.push_back(item.string());
  }
  if (start.command.empty() || start.command.front().empty()) {
    command.fail("expected a non-empty list: the program and its arguments");
  }
  if (const ConfigValue* env = map.find("env")) {
    start.env = parseEnv(*env);
  }
  if (const ConfigValue* wait = map.find("wait")) {
    start.wait = wait->positiveDuration();
  }
  return start;
}

AppConfig parseApp(const ConfigMap::Entry& entry) {
  AppConfig app;
  app.name = appName(entry);
  const ConfigMap map =
      entry.value.map({"port", "prefix", "start", "redirect", "max_request_body"});
  const ConfigValue* port = map.find("port");
  const ConfigValue* redirect = map.find("redirect");
  if (port != nullptr && redirect != nullptr) {
    redirect->fail("an app has either port or redirect, not both");
  }
  if (port == nullptr && redirect == nullptr) {
    entry.value.fail("an app needs port or redirect");
  }
  if (redirect != nullptr) {
    for (const char* portOnly : {"prefix", "start", "max_request_body"}) {
      if (const ConfigValue* value = map.find(portOnly)) {
        value->fail("only for an app with a port, not a redirect");
      }
    }
    app.redirect = redirectUrl(*redirect);
    return app;
  }
  app.port = static_cast<uint16_t>(port->number(1, 65535));
  if (const ConfigValue* prefix = map.find("prefix")) {
    app.prefix = normalizePrefix(*prefix);
  }
  if (const ConfigValue* start = map.find("start")) {
    app.start = parseStart(*start);
  }
  if (const ConfigValue* body = map.find("max_request_body")) {
    auto size = parseSize(body->scalar("expected a size such as 10MiB, or 0 for no limit"));
    if (!size.ok()) {
      body->fail(std::move(size).error());
    }
    app.maxRequestBody = size.value();
  }
  return app;
}

}  // namespace

std::vector<AppConfig> parseApps(const ConfigValue& value) {
  std::vector<AppConfig> apps;
  const ConfigMap map = value.openMap();
  for (const ConfigMap::Entry& entry : map.entries()) {
    AppConfig app = parseApp(entry);
    for (const AppConfig& other : apps) {
      if (other.name == app.name) {
        throw ConfigFailure{entry.namePos, entry.value.key(),
                            "duplicate app name \"" + app.name + "\" (names ignore case)"};
      }
    }
    apps.push_back(std::move(app));
  }
  // The router looks names up by binary search (RoutesConfig::findApp).
  std::sort(apps.begin(), apps.end(),
            [](const AppConfig& a, const AppConfig& b) { return a.name < b.name; });
  return apps;
}

}  // namespace httpgate::gate::detail
