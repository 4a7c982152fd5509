// The gate's configuration: the YAML schema of DESIGN.md as plain values.
// A Config is built once by loadConfig(), then published read-only as
// std::shared_ptr<const Config>; nothing changes it afterwards.
#pragma once

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/net/cidr.h"
#include "common/result.h"

namespace httpgate::gate {

using Duration = std::chrono::milliseconds;

// Where a key was written, for messages that name file:line:column.
struct SourcePos {
  int line = 0;    // 1-based; 0 = not from a file (a default)
  int column = 0;  // 1-based
};

// A resolved socket address.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// listen[].tls.certificates[].ocsp: what the gate staples in handshakes.
enum class OcspMode : uint8_t {
  Auto,  // fetched from the responder the certificate names (none named: nothing)
  Off,
  File,  // a DER response someone else fetches, read at every load
};

struct CertificateConfig {
  std::string certFile;  // PEM: certificate followed by its chain
  std::string keyFile;   // PEM private key (may be the same file as certFile)
  SourcePos certPos;
  SourcePos keyPos;
  OcspMode ocsp = OcspMode::Auto;
  std::string ocspFile;  // OcspMode::File
  SourcePos ocspPos;
};

// listen[].tls.acme: a certificate the gate obtains and renews itself from
// an ACME (RFC 8555) server.
enum class AcmeChallenge : uint8_t {
  Auto,       // http-01 when the gate has a plain listener on port 80, else tls-alpn-01
  Http01,     // /.well-known/acme-challenge/ on the plain listeners
  TlsAlpn01,  // ALPN acme-tls/1 on this listener
};

struct AcmeConfig {
  std::string directory;           // the server's directory URL
  std::string email;               // the account's contact; may be empty
  std::vector<std::string> names;  // DNS names, lower case; the first names the certificate
  std::string storage = "/var/lib/httpgate/acme";
  Duration renewBefore = std::chrono::hours(24 * 30);
  AcmeChallenge challenge = AcmeChallenge::Auto;
  std::string caFile;  // PEM roots for the directory's TLS; empty: the system's
  SourcePos pos;
};

struct TlsConfig {
  // At least one, unless acme is set; the first is the default (with acme,
  // the ACME certificate comes first).
  std::vector<CertificateConfig> certificates;
  bool tls12 = true;
  bool tls13 = true;
  SourcePos protocolsPos;
  std::optional<AcmeConfig> acme;
};

struct ListenConfig {
  std::string address;   // as written, e.g. "[::]:443"
  SocketAddress socket;  // resolved, port included
  std::optional<TlsConfig> tls;
  bool redirectHttps = false;  // plain listeners only: answer 308 to https://
  bool http2 = true;           // TLS listeners: ALPN offers h2 before http/1.1
  // A PROXY protocol header (v1 or v2) precedes every connection, sent by
  // a balancer in proxyFrom; connections from anywhere else are refused.
  bool proxyProtocol = false;
  net::CidrSet proxyFrom;
  uint32_t maxConnections = 0;  // open on this listener; 0 = only limits.max_connections
  SourcePos pos;
};

// tls: settings shared by every TLS listener.
struct TicketKey {
  static constexpr size_t kSize = 80;  // name 16, HMAC-SHA256 key 32, AES-256 key 32
  std::array<uint8_t, kSize> bytes{};
};

struct TlsGlobalConfig {
  // tls.ticket_keys: keys read from this file at load (and at every reload);
  // the first encrypts new tickets, all decrypt. Empty: the gate's own key.
  std::string ticketKeysFile;
  std::vector<TicketKey> ticketKeys;
  // How long the gate's own key encrypts before a new one replaces it (the
  // old one still decrypts for as long again).
  Duration ticketLifetime{12 * 3600 * 1000};
};

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  bool contains(uint16_t port) const { return port >= first && port <= last; }
};

// routes.hosts[].tls: TLS from the gate to a session host, verified.
struct HostTlsConfig {
  std::string caFile;      // PEM CA certificates the host's certificate must chain to
  std::string serverName;  // SNI, and the name its certificate must carry
  std::string certFile;    // client certificate for mutual TLS; "" = none
  std::string keyFile;
  SourcePos pos;  // of the tls: key, for errors found when loading the files
};

struct BackendHost {
  std::string name;      // as written, e.g. "127.0.0.1" or "10.0.0.5"
  SocketAddress socket;  // resolved, port 0 (the router's port is set per request)
  std::optional<HostTlsConfig> tls;
};

struct HostRange {
  PortRange range;
  BackendHost host;
  // Passive health (host_health.h): consecutive connect failures that mark
  // the host down, and how long it then stays down between probes. Every
  // range of one host (by name) carries the same values.
  uint32_t failAfter = 3;
  Duration downFor{10'000};
};

struct AppStart {
  std::string user;
  std::string dir;
  std::string log;
  std::vector<std::string> command;  // argv, non-empty
  std::vector<std::pair<std::string, std::string>> env;
  Duration wait{20000};
};

struct AppConfig {
  std::string name;    // lower-cased; compared case-insensitively like httpGate
  uint16_t port = 0;   // 0 for redirect apps
  std::string prefix;  // "" or starts with '/', no trailing '/'
  std::optional<AppStart> start;
  std::string redirect;  // non-empty: a redirect app (302 to this URL)
  // Its own limit on request bodies, replacing limits.max_request_body.
  std::optional<uint64_t> maxRequestBody;
};

struct RoutesConfig {
  uint16_t defaultPort = 8080;
  std::string defaultApp;  // non-empty when `default:` names an app instead of a port
  BackendHost backend;     // "127.0.0.1" unless configured
  std::vector<PortRange> allow{{1024, 65535}};
  std::vector<PortRange> deny;
  std::vector<HostRange> hosts;
  std::vector<AppConfig> apps;  // sorted by name
  std::string namesFile;
  // Final path segments after whose HTTP/1.0 GET or POST head the client
  // connection becomes a byte tunnel (raw_tunnel.h); none contains '/' or '?'.
  std::vector<std::string> rawPaths{"!replica"};

  // The app called `name` (case-insensitive), or nullptr.
  const AppConfig* findApp(std::string_view name) const;
  // The host that serves `port`: the first matching hosts range, else backend.
  const BackendHost& hostFor(uint16_t port) const;
};

struct HeadersConfig {
  bool forwarded = true;
  bool picolisp = true;
  // Strict-Transport-Security on responses of TLS listeners; "" = none.
  std::string hsts;
  // The only Upgrade protocols forwarded (lower-case names, compared without
  // a "/version"); any other is removed and the request proxied as usual.
  std::vector<std::string> upgrade{"websocket"};
  // Peers whose X-Forwarded-For is believed: the right-most address in it
  // that is not one of them becomes the client address.
  net::CidrSet trustedProxies;
};

struct Timeouts {
  Duration handshake{10'000};
  Duration requestHeader{30'000};  // a request head, from its first byte
  Duration requestBody{30'000};    // a request body must keep arriving (min_request_rate)
  Duration keepalive{75'000};      // an idle client connection between requests
  Duration connect{5'000};
  Duration response{60'000};  // the backend silent while its response is due
  Duration tunnel{420'000};   // an upgraded connection with no traffic either way
  Duration shutdown{30'000};
};

// limits.per_client: by client address, across all workers of the gate.
struct PerClientLimits {
  uint32_t connections = 0;   // open at once; 0 = no limit
  double requestRate = 0;     // requests per second refilled into the bucket; 0 = no limit
  uint32_t requestBurst = 0;  // the bucket's size
  net::CidrSet exempt;
  bool active() const { return connections != 0 || requestRate > 0; }
};

struct Limits {
  uint32_t maxConnections = 20000;
  uint32_t maxRequestHeader = 16 * 1024;
  // A chunked request body bound for a PicoLisp route is collected whole and
  // sent on with a Content-Length (http.l reads no chunked body): at most
  // this many bytes of payload, else 413.
  uint64_t maxReframedBody = 16 * 1024 * 1024;
  uint64_t maxRequestBody = 0;               // 0 = no limit; 413 past it
  uint64_t minRequestRate = 1024;            // bytes/s a body averages over timeouts.requestBody
  uint32_t http2MaxConcurrentStreams = 100;  // limits.http2.max_concurrent_streams
  PerClientLimits perClient;
};

enum class LogLevel { Trace, Debug, Info, Warn, Error };
enum class AccessFormat { Combined, Json };

struct LogConfig {
  LogLevel level = LogLevel::Info;
  std::string access = "stderr";  // "stderr", "off" or a file path
  AccessFormat accessFormat = AccessFormat::Combined;
};

// An admin.users entry: HTTP basic authentication for the admin endpoint.
struct AdminUser {
  std::string name;
  std::string hash;  // crypt(3): bcrypt ($2b$, $2y$) or SHA-512-crypt ($6$), checked at load
};

struct AdminConfig {
  std::string listen;  // "" = off
  std::optional<SocketAddress> socket;
  // Without it, a listen address that is not loopback is refused: /metrics
  // and /healthz are unauthenticated.
  bool allowPublic = false;
  SourcePos pos;  // of admin.listen, for bind errors
  // admin.users: when not empty, every admin request but /healthz needs
  // one of these in an Authorization: Basic field. In file order.
  std::vector<AdminUser> users;
};

struct Config {
  std::string file;  // the file it was loaded from
  std::vector<ListenConfig> listeners;
  TlsGlobalConfig tls;
  std::string user;
  unsigned workers = 0;  // 0 = auto (one per core)
  RoutesConfig routes;
  std::string voidPageFile;
  std::string voidPage;  // the file's content, read at load time
  // Read voidPageFile again for every 410 (the legacy command line, as
  // httpGate); a missing file then means 502.
  bool voidPagePerRequest = false;
  HeadersConfig headers;
  Timeouts timeouts;
  Limits limits;
  LogConfig log;
  AdminConfig admin;
};

// A configuration error, already formatted as
// "FILE:LINE:COLUMN: KEY.PATH: message" (or "FILE: message" without position).
struct ConfigError {
  std::string message;
};

// Formats an error at `pos` of `file` for the dotted key path `key`.
std::string formatConfigError(const std::string& file, SourcePos pos, std::string_view key,
                              std::string_view message);

// Reads, parses and validates the YAML file at `path`: unknown keys, wrong
// types and bad values are errors naming file:line:column and the key path
// (e.g. "routes.ports.allow[1]"). Resolves addresses, checks that certificate
// and key files are readable and loads the void page; it does not parse
// certificates (the TLS contexts do, reporting with the stored positions).
Result<Config, ConfigError> loadConfig(const std::string& path);

// The same from YAML text, `file` naming it in messages (for tests and -t).
Result<Config, ConfigError> parseConfig(const std::string& yamlText, const std::string& file);

}  // namespace httpgate::gate
