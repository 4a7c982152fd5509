// The router: httpGate's URL convention (see router.h). It runs for every
// request, so it only looks at `path` through views and never allocates.
#include "gate/config/router.h"

namespace httpgate::gate {

namespace {

bool allDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

// The digits' value, or 65536 for anything above 65535 (however long).
uint32_t portValue(std::string_view digits) {
  uint32_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<uint32_t>(c - '0');
    if (value > 65535) {
      return 65536;
    }
  }
  return value;
}

bool inAny(const std::vector<PortRange>& ranges, uint16_t port) {
  for (const PortRange& range : ranges) {
    if (range.contains(port)) {
      return true;
    }
  }
  return false;
}

bool hasTilde(std::string_view text) {
  return text.find('~') != std::string_view::npos;
}

// Forwards to `port` with `prefix` + `rest`, where `rest` is what followed
// the first segment ("/x", "?q" or ""). Like httpGate, which writes "GET /"
// and then the rest without its leading '/', a rest that does not start
// with '/' gets one in front.
Route backendRoute(const RoutesConfig& routes, uint16_t port, std::string_view prefix,
                   std::string_view rest, const AppConfig* app) {
  Route result;
  result.kind = Route::Kind::Backend;
  result.host = &routes.hostFor(port);
  result.port = port;
  result.prefix = prefix;
  if (result.prefix.empty() && (rest.empty() || rest.front() != '/')) {
    result.prefix = "/";
  }
  result.path = rest;
  result.app = app;
  result.sessionMarker = hasTilde(result.prefix) || hasTilde(rest);
  return result;
}

Route redirectRoute(const AppConfig& app) {
  Route result;
  result.kind = Route::Kind::Redirect;
  result.location = app.redirect;
  result.app = &app;
  return result;
}

Route appRoute(const RoutesConfig& routes, const AppConfig& app, std::string_view rest) {
  if (!app.redirect.empty()) {
    return redirectRoute(app);
  }
  return backendRoute(routes, app.port, app.prefix, rest, &app);
}

// httpGate's "@": the default app or port gets the path as it came.
Route defaultRoute(const RoutesConfig& routes, std::string_view path) {
  const AppConfig* app = routes.defaultApp.empty() ? nullptr : routes.findApp(routes.defaultApp);
  if (app != nullptr && !app->redirect.empty()) {
    Route result = redirectRoute(*app);
    result.isDefault = true;
    return result;
  }
  Route result;
  result.isDefault = true;
  result.kind = Route::Kind::Backend;
  result.port = app != nullptr ? app->port : routes.defaultPort;
  result.host = &routes.hostFor(result.port);
  result.path = path;
  result.app = app;
  result.sessionMarker = hasTilde(path);
  return result;
}

Route portRoute(const RoutesConfig& routes, std::string_view digits, std::string_view rest) {
  const uint32_t value = portValue(digits);
  if (value == 0 || value > 65535 || !inAny(routes.allow, static_cast<uint16_t>(value)) ||
      inAny(routes.deny, static_cast<uint16_t>(value))) {
    Route result;
    result.kind = Route::Kind::Forbidden;
    result.port = value <= 65535 ? static_cast<uint16_t>(value) : 0;
    return result;
  }
  return backendRoute(routes, static_cast<uint16_t>(value), "", rest, nullptr);
}

}  // namespace

Route route(const RoutesConfig& routes, std::string_view path) {
  // "*" (OPTIONS *) and anything not in origin form go to the default.
  if (path.empty() || path.front() != '/') {
    return defaultRoute(routes, path);
  }
  const std::string_view afterSlash = path.substr(1);
  const size_t end = afterSlash.find_first_of("/?");
  const std::string_view segment = afterSlash.substr(0, end);
  const std::string_view rest =
      end == std::string_view::npos ? std::string_view() : afterSlash.substr(end);
  if (segment.empty()) {
    return defaultRoute(routes, path);
  }
  // An app name first: numeric names (below 1024, as in httpGate) win over
  // the port of the same number.
  if (const AppConfig* app = routes.findApp(segment)) {
    return appRoute(routes, *app, rest);
  }
  if (allDigits(segment)) {
    return portRoute(routes, segment, rest);
  }
  return defaultRoute(routes, path);
}

}  // namespace httpgate::gate
