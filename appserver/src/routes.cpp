#include "appserver/src/routes.h"

#include <exception>

#include "appserver/src/log.h"
#include "appserver/src/response_writer.h"

namespace httpgate::appserver::detail {

void dispatch(const Routes& routes, const Request& request, Response& response, Session& session) {
  auto found = routes.handlers.find(request.path());
  const Handler* handler = found != routes.handlers.end() ? &found->second : &routes.fallback;
  if (!*handler) {
    response = errorResponse(404, "no page here");
    return;
  }
  const std::string path(request.path().substr(0, 200));
  try {
    (*handler)(request, response, session);
  } catch (const std::exception& error) {
    logLine("handler for %s failed: %s", path.c_str(), error.what());
    response = errorResponse(500, "the page failed");
  } catch (...) {
    logLine("handler for %s failed with a non-standard exception", path.c_str());
    response = errorResponse(500, "the page failed");
  }
}

}  // namespace httpgate::appserver::detail
