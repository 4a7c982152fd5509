// App: the handlers and options the program sets up, then Parent::run().
#include <csignal>
#include <utility>

#include "appserver/src/http_values.h"
#include "appserver/src/log.h"
#include "appserver/src/parent.h"
#include "appserver/src/routes.h"
#include "appserver/src/sequential_server.h"
#include "appserver/src/tls_server.h"

namespace httpgate::appserver {

struct App::Impl {
  Options options;
  detail::Routes routes;
};

App::App(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

App::~App() = default;

void App::handle(std::string path, Handler handler) {
  impl_->routes.handlers[std::move(path)] = std::move(handler);
}

void App::fallback(Handler handler) {
  impl_->routes.fallback = std::move(handler);
}

int App::run(int argc, char** argv) {
  const Options& options = impl_->options;
  if (options.sessionPortFirst > options.sessionPortLast) {
    detail::logLine("session ports %u-%u: the first is above the last", options.sessionPortFirst,
                    options.sessionPortLast);
    return 1;
  }
  if (options.maxSessions == 0) {
    detail::logLine("maxSessions is 0: no session could ever start");
    return 1;
  }
  if (options.sessionTimeout.count() <= 0) {
    detail::logLine("sessionTimeout must be positive");
    return 1;
  }
  if (options.model == Model::Pool && options.pool.ready == 0) {
    detail::logLine("pool.ready is 0: the pool model keeps at least one ready process");
    return 1;
  }
  if (options.model == Model::Pool && options.pool.maxReady < options.pool.ready) {
    detail::logLine("pool.maxReady (%u) is below pool.ready (%u)", options.pool.maxReady,
                    options.pool.ready);
    return 1;
  }
  if (options.tlsCertificate.empty() != options.tlsKey.empty()) {
    detail::logLine("tlsCertificate and tlsKey go together");
    return 1;
  }
  std::unique_ptr<detail::TlsServer> tls;
  if (!options.tlsCertificate.empty()) {
    auto loaded = detail::TlsServer::load(options.tlsCertificate, options.tlsKey);
    if (!loaded.ok()) {
      detail::logLine("%s", loaded.error().c_str());
      return 1;
    }
    tls = std::move(loaded).value();
    // OpenSSL writes with write(2): a client gone must be an error, not a
    // signal that ends the process.
    ::signal(SIGPIPE, SIG_IGN);
  }
  if (options.model == Model::Sequential) {
    SequentialServer server(options, impl_->routes, tls.get(), argc, argv);
    return server.run();
  }
  detail::Parent parent(options, impl_->routes, tls.get(), argc, argv);
  return parent.run();
}

std::string Session::baseUrl(const Request& request) const {
  detail::Arrival arrival;
  arrival.behindGate = request.behindGate();
  arrival.scheme = std::string(request.scheme());
  arrival.host = std::string(request.host());
  arrival.clientAddress = std::string(request.clientAddress());
  return detail::sessionBaseUrl(arrival, port_, id_);
}

}  // namespace httpgate::appserver
