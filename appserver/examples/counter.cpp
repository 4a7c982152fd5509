// The example of httpgate-appserver(3), kept identical to the man page by
// tests/check_man_example.sh.
#include <httpgate/appserver.h>

#include <string>

namespace as = httpgate::appserver;

int main(int argc, char** argv) {
  as::Options options;
  options.port = 8080;
  options.sessionPortFirst = 40000;
  options.sessionPortLast = 40999;
  as::App app(options);
  app.handle("/", [](const as::Request& request, as::Response& response, as::Session& session) {
    int& visits = session.state<int>();
    ++visits;
    response.html("<!DOCTYPE html><base href=\"" + session.baseUrl(request) + "\"><p>Visit " +
                  std::to_string(visits) + " of session " + session.id() +
                  "</p><a href=\"./\">again</a>");
  });
  return app.run(argc, argv);
}
