// httpgate's app-server library: one process and one port per user session,
// the model PicoLisp's `server` and `app` follow, in C++.
//
// A parent process listens on the application's port. A request there (one
// without a session) is handed to a freshly forked child: the child binds a
// port of its own, makes a random session id, answers that first request,
// and from then on serves only its session, on its own port, until it has
// been idle for `sessionTimeout`; then it exits. Behind httpgate the
// session's pages live under https://host/<port>/<sesid>~/ (see
// Session::baseUrl()). That is the default model; Options::model can have
// the session processes forked in advance (Model::Pool) or every session
// kept in one process (Model::Sequential).
//
//   #include <httpgate/appserver.h>
//   namespace as = httpgate::appserver;
//
//   int main(int argc, char** argv) {
//     as::Options options;
//     options.port = 8080;
//     as::App app(options);
//     app.handle("/", [](const as::Request& request, as::Response& response,
//                        as::Session& session) {
//       int& visits = session.state<int>();
//       response.html("<base href=\"" + session.baseUrl(request) + "\">" +
//                     "<p>Visit " + std::to_string(++visits) + "</p>");
//     });
//     return app.run(argc, argv);
//   }
//
// See httpgate-appserver(3).
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

namespace httpgate::appserver {

// How sessions get their process (see httpgate-appserver(3), EXECUTION
// MODELS).
enum class Model {
  // A session process forked when a visitor arrives (PicoLisp's model).
  Fork,
  // Session processes forked in advance, each with its port bound and its
  // id made; a visitor's connection is handed to a ready one at once and
  // the parent forks a replacement.
  Pool,
  // One process serves every session on the app's own port, sessions kept
  // as objects keyed by id: for development and tiny deployments.
  Sequential,
};

struct PoolOptions {
  // Ready session processes the parent keeps (Model::Pool).
  unsigned ready = 4;
  // When a visitor found no ready process, the parent doubles how many it
  // keeps, up to this; the number shrinks back by one every 10 s in which
  // the pool did not run dry. At least `ready`.
  unsigned maxReady = 16;
};

struct Options {
  Model model = Model::Fork;
  PoolOptions pool;
  // Where the parent listens: the application's port (httpgate's
  // routes.default or an app's port).
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  // The ports session children bind, first..last inclusive; 0..0 = any free
  // port the kernel picks. Behind httpgate they must lie inside its
  // routes.ports.allow.
  uint16_t sessionPortFirst = 0;
  uint16_t sessionPortLast = 0;
  // A child exits after this long without a request.
  std::chrono::milliseconds sessionTimeout{std::chrono::minutes(5)};
  // At most this many sessions at once (with Model::Pool: session and ready
  // processes together); a new session past it gets 503.
  unsigned maxSessions = 1000;
  // Refuse (403) a request whose client address differs from the one that
  // opened the session (the gate's X-Pil: *Adr, else the peer address).
  bool checkClientAddress = false;
  // The parent exits after this long without any session child (0 = never);
  // httpgate starts it again on demand.
  std::chrono::milliseconds retire{0};
  // Largest accepted request body (413 beyond) and head (431 beyond).
  size_t maxBody = 16 * 1024 * 1024;
  size_t maxHead = 16 * 1024;
  // TLS on the parent's port and every session port (OpenSSL, TLS 1.2 and
  // 1.3): the PEM certificate chain and its private key, both or neither.
  // For a session host that httpgate reaches with routes.hosts[].tls. A
  // file that does not load makes run() log why and return 1. With TLS on,
  // SIGPIPE is ignored.
  std::string tlsCertificate;
  std::string tlsKey;
};

// A file part of a multipart/form-data body.
struct Upload {
  std::string field;        // the form field's name
  std::string filename;     // as the browser sent it
  std::string contentType;  // "" if none was given
  std::string data;
};

class Request {
 public:
  std::string_view method() const { return method_; }
  // The path inside the session, percent-encoding kept: "/cart" for
  // "/<sesid>~/cart" on a session port, the whole path on the parent's port.
  std::string_view path() const { return path_; }
  // The query string without '?', as received ("" if none).
  std::string_view query() const { return query_; }

  // A header's value (the first one, name compared ignoring case).
  std::optional<std::string_view> header(std::string_view name) const;
  // A cookie's value from the Cookie header(s).
  std::optional<std::string_view> cookie(std::string_view name) const;
  // A parameter from the query string or the form body (URL-encoded or
  // multipart non-file fields), decoded; body fields after query fields.
  std::optional<std::string_view> param(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }
  const std::vector<Upload>& uploads() const { return uploads_; }
  std::string_view body() const { return body_; }

  // The client's address: the gate's X-Pil: *Adr (or X-Forwarded-For) when
  // behind httpgate, else the peer's.
  std::string_view clientAddress() const { return clientAddress_; }
  // Whether the request came through httpgate (X-Pil: *Gate= or
  // X-Forwarded-Proto present).
  bool behindGate() const { return behindGate_; }
  // "https" or "http": the scheme the browser used.
  std::string_view scheme() const { return scheme_; }
  // The Host the browser used (X-Forwarded-Host behind the gate), port
  // included if it had one.
  std::string_view host() const { return host_; }

 private:
  friend class RequestBuilder;  // fills a Request from a parsed message
  std::string method_;
  std::string path_;
  std::string query_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<std::pair<std::string, std::string>> cookies_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::vector<Upload> uploads_;
  std::string body_;
  std::string clientAddress_;
  bool behindGate_ = false;
  std::string scheme_ = "http";
  std::string host_;
};

class Response {
 public:
  void status(int code) { status_ = code; }
  int status() const { return status_; }
  // Adds a header (Content-Length and Connection are the library's).
  void header(std::string name, std::string value);
  // Sets a cookie (Path=/; HttpOnly; SameSite=Lax unless `attributes` says
  // otherwise; Secure when the request came over https).
  void cookie(std::string name, std::string value, std::string attributes = "");
  // The body and its Content-Type.
  void html(std::string body);
  void text(std::string body);
  void body(std::string body, std::string contentType);
  // 303 See Other to `location` (absolute, or relative to the request).
  void redirect(std::string location, int code = 303);

  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  const std::string& body() const { return body_; }

 private:
  int status_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
};

class Session {
 public:
  // The session id: 32 hex digits (128 bits from the OS's CSPRNG).
  const std::string& id() const { return id_; }
  // The session child's own port.
  uint16_t port() const { return port_; }
  // Where the session's pages live, ending in '/':
  //   behind httpgate:  https://host/<port>/<sesid>~/
  //   stand-alone:      http://host:<port>/<sesid>~/
  // (the session id is in the URL either way: requests without it are
  // refused with 403).
  std::string baseUrl(const Request& request) const;

  // Per-session state that lives in the child between requests: one value
  // of each type, default-constructed on first use.
  template <class T>
  T& state() {
    std::any& slot = state_[std::type_index(typeid(T))];
    if (!slot.has_value()) {
      slot = std::make_shared<T>();
    }
    return *std::any_cast<std::shared_ptr<T>&>(slot);
  }

 private:
  friend class SessionChild;      // creates the session in the child
  friend class SequentialServer;  // creates every session in its process
  std::string id_;
  uint16_t port_ = 0;
  std::map<std::type_index, std::any> state_;
};

using Handler = std::function<void(const Request&, Response&, Session&)>;

class App {
 public:
  explicit App(Options options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Requests whose path() is exactly `path` go to `handler`; others get the
  // fallback (by default 404).
  void handle(std::string path, Handler handler);
  void fallback(Handler handler);

  // Runs the parent until TERM/INT (forwarded to the children, which finish
  // their current request and exit) or `retire`; HUP re-executes the
  // program with `argv` on the same listening socket: new sessions get the
  // new code, running ones finish on the old. Returns the exit status.
  int run(int argc, char** argv);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace httpgate::appserver
