// Decides where a request goes from its path alone (routing is stateless):
//   /<port>/rest   -> the backend host of <port>, path "/rest"
//   /<port>        -> path "/"  (and "/<port>?q" -> "/?q")
//   /<app>/rest    -> the app's port, path prefix + "/rest"
//   anything else  -> the default port (or default app), path untouched
// Query strings and percent-encoding are never touched.
#pragma once

#include <cstdint>
#include <string_view>

#include "gate/config/config.h"

namespace httpgate::gate {

struct Route {
  enum class Kind : uint8_t {
    Backend,    // forward to host:port with prefix + path
    Forbidden,  // a numeric port outside routes.ports.allow or inside deny: 403
    Redirect,   // a redirect app: 302 to `location`
  };
  Kind kind = Kind::Backend;
  const BackendHost* host = nullptr;  // Backend: the host that serves `port`
  uint16_t port = 0;
  std::string_view prefix;         // sent before `path`: an app's prefix, "/" or ""
  std::string_view path;           // the rest of the request path, query included
  std::string_view location;       // Redirect: the Location
  const AppConfig* app = nullptr;  // the app the request names, if any
  bool sessionMarker = false;      // the forwarded path holds '~' (PicoLisp session)
  bool isDefault = false;          // neither a port nor an app in the path (httpGate's "@")
};

// Routes `path` (the origin-form path and query of a request, or "*").
// The views in the result point into `path` or into `routes`.
Route route(const RoutesConfig& routes, std::string_view path);

}  // namespace httpgate::gate
