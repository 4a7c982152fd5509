// Which handler answers a request: an exact path match, else the fallback.
#pragma once

#include <map>
#include <string>

#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

struct Routes {
  std::map<std::string, Handler, std::less<>> handlers;
  Handler fallback;  // empty: 404
};

// Runs the handler for request.path() into `response`. A handler that
// throws gets its response replaced by a 500 (logged with the reason):
// one failing page must not end the session.
void dispatch(const Routes& routes, const Request& request, Response& response, Session& session);

}  // namespace httpgate::appserver::detail
