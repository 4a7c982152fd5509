// The configuration boundary: YAML text in, a validated Config or one
// formatted error out. Every exception of yaml-cpp and of the section
// parsers stops here.
#include "gate/config/config.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "common/http/chars.h"
#include "common/net/address.h"
#include "gate/config/config_file_text.h"
#include "gate/config/config_sections.h"
#include "gate/config/config_values.h"
#include "gate/config/password_hash.h"

namespace httpgate::gate {

namespace {

using detail::ConfigFailure;
using detail::ConfigMap;
using detail::ConfigValue;

// The void page is sent whole with every 410; keep it small.
constexpr size_t kMaxVoidPage = 1024 * 1024;

void parseWorkers(const ConfigValue& value, Config& config) {
  const char* expected = "expected \"auto\" or a number from 1 to 256";
  const std::string text = value.scalar(expected);
  if (text == "auto") {
    config.workers = 0;
    return;
  }
  const auto workers = parseNumber(text, 256);
  if (!workers || *workers == 0) {
    value.fail(expected);
  }
  config.workers = static_cast<unsigned>(*workers);
}

// A Strict-Transport-Security value goes out verbatim on every TLS
// response: visible ASCII and spaces only, and the max-age directive that
// RFC 6797 6.1.1 requires.
std::string hstsValue(const ConfigValue& value) {
  std::string text = value.string();
  const bool printable = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!text.empty() &&
      (!printable || http::asciiLower(text).find("max-age=") == std::string::npos)) {
    value.fail("expected a Strict-Transport-Security value such as \"max-age=63072000\"");
  }
  return text;
}

// Upgrade protocol names ("websocket"), lower-cased: a token each.
std::vector<std::string> upgradeNames(const ConfigValue& value) {
  std::vector<std::string> names;
  for (const ConfigValue& item : value.list()) {
    const std::string name = item.string();
    if (!http::isToken(name)) {
      item.fail("expected a protocol name such as websocket");
    }
    names.push_back(http::asciiLower(name));
  }
  return names;
}

void parseHeaders(const ConfigValue& value, HeadersConfig& headers) {
  const ConfigMap map = value.map({"forwarded", "picolisp", "hsts", "upgrade", "trusted_proxies"});
  if (const ConfigValue* forwarded = map.find("forwarded")) {
    headers.forwarded = forwarded->boolean();
  }
  if (const ConfigValue* picolisp = map.find("picolisp")) {
    headers.picolisp = picolisp->boolean();
  }
  if (const ConfigValue* hsts = map.find("hsts")) {
    headers.hsts = hstsValue(*hsts);
  }
  if (const ConfigValue* upgrade = map.find("upgrade")) {
    headers.upgrade = upgradeNames(*upgrade);
  }
  if (const ConfigValue* trusted = map.find("trusted_proxies")) {
    headers.trustedProxies = detail::parseCidrs(*trusted);
  }
}

void parseTimeouts(const ConfigValue& value, Timeouts& timeouts, const std::string& file) {
  const ConfigMap map = value.map({"handshake", "request_header", "request_body", "keepalive",
                                   "connect", "response", "tunnel", "shutdown", "idle"});
  // The one timeout of earlier releases (httpGate's 420 s alarm) meant the
  // backend side: it sets response and tunnel unless they are given too.
  if (const ConfigValue* idle = map.find("idle")) {
    timeouts.response = timeouts.tunnel = idle->positiveDuration();
    spdlog::warn("{}",
                 formatConfigError(file, idle->pos(), "timeouts.idle",
                                   "deprecated, to be removed: it sets timeouts.response and "
                                   "timeouts.tunnel; write those instead (and timeouts.keepalive "
                                   "for idle client connections, default 75s)"));
  }
  const std::pair<const char*, Duration*> fields[] = {
      {"handshake", &timeouts.handshake},
      {"request_header", &timeouts.requestHeader},
      {"request_body", &timeouts.requestBody},
      {"keepalive", &timeouts.keepalive},
      {"connect", &timeouts.connect},
      {"response", &timeouts.response},
      {"tunnel", &timeouts.tunnel},
      {"shutdown", &timeouts.shutdown},
  };
  for (const auto& [name, field] : fields) {
    if (const ConfigValue* timeout = map.find(name)) {
      *field = timeout->positiveDuration();
    }
  }
}

// A size key from `min` to `max` bytes.
uint64_t sizeValue(const ConfigValue& value, uint64_t min, uint64_t max, const char* range) {
  auto size = parseSize(value.scalar("expected a size such as 16KiB"));
  if (!size.ok()) {
    value.fail(std::move(size).error());
  }
  if (size.value() < min || size.value() > max) {
    value.fail(std::string("must be from ") + range);
  }
  return size.value();
}

void parseLimits(const ConfigValue& value, Limits& limits) {
  const ConfigMap map = value.map({"max_connections", "max_request_header", "max_reframed_body",
                                   "max_request_body", "min_request_rate", "http2", "per_client"});
  if (const ConfigValue* connections = map.find("max_connections")) {
    limits.maxConnections = static_cast<uint32_t>(connections->number(1, 1'000'000));
  }
  if (const ConfigValue* header = map.find("max_request_header")) {
    auto size = parseSize(header->scalar("expected a size such as 16KiB"));
    if (!size.ok()) {
      header->fail(std::move(size).error());
    }
    if (size.value() < 1024 || size.value() > 1024 * 1024) {
      header->fail("must be from 1KiB to 1MiB");
    }
    limits.maxRequestHeader = static_cast<uint32_t>(size.value());
  }
  if (const ConfigValue* body = map.find("max_reframed_body")) {
    auto size = parseSize(body->scalar("expected a size such as 16MiB"));
    if (!size.ok()) {
      body->fail(std::move(size).error());
    }
    if (size.value() > 1024 * 1024 * 1024) {
      body->fail("must be from 0 to 1024MiB");
    }
    limits.maxReframedBody = size.value();
  }
  if (const ConfigValue* body = map.find("max_request_body")) {
    limits.maxRequestBody = sizeValue(*body, 0, uint64_t{1} << 50, "0 (no limit) to 1073741824MiB");
  }
  if (const ConfigValue* rate = map.find("min_request_rate")) {
    limits.minRequestRate = sizeValue(*rate, 0, uint64_t{1} << 30, "0 (none) to 1024MiB");
  }
  if (const ConfigValue* perClient = map.find("per_client")) {
    detail::parsePerClient(*perClient, limits.perClient);
  }
  if (const ConfigValue* http2 = map.find("http2")) {
    const ConfigMap h2 = http2->map({"max_concurrent_streams"});
    if (const ConfigValue* streams = h2.find("max_concurrent_streams")) {
      limits.http2MaxConcurrentStreams = static_cast<uint32_t>(streams->number(1, 1000));
    }
  }
}

void parseLog(const ConfigValue& value, LogConfig& log) {
  const ConfigMap map = value.map({"level", "access", "access_format"});
  if (const ConfigValue* level = map.find("level")) {
    const char* expected = "expected trace, debug, info, warn or error";
    const std::string text = level->scalar(expected);
    const std::pair<const char*, LogLevel> levels[] = {
        {"trace", LogLevel::Trace}, {"debug", LogLevel::Debug}, {"info", LogLevel::Info},
        {"warn", LogLevel::Warn},   {"error", LogLevel::Error},
    };
    const auto* found = std::find_if(std::begin(levels), std::end(levels),
                                     [&](const auto& entry) { return text == entry.first; });
    if (found == std::end(levels)) {
      level->fail(expected);
    }
    log.level = found->second;
  }
  if (const ConfigValue* access = map.find("access")) {
    log.access = access->scalar("expected stderr, off or a file path");
    if (log.access.empty()) {
      access->fail("expected stderr, off or a file path");
    }
  }
  if (const ConfigValue* format = map.find("access_format")) {
    const std::string text = format->scalar("expected combined or json");
    if (text == "combined") {
      log.accessFormat = AccessFormat::Combined;
    } else if (text == "json") {
      log.accessFormat = AccessFormat::Json;
    } else {
      format->fail("expected combined or json");
    }
  }
}

// admin.users: {name: hash}, each hash checked by form (password_hash.h).
void parseAdminUsers(const ConfigValue& value, std::vector<AdminUser>& users) {
  if (value.isNull()) {
    return;
  }
  const ConfigMap map = value.openMap();
  for (const ConfigMap::Entry& entry : map.entries()) {
    if (std::string problem = userNameProblem(entry.name); !problem.empty()) {
      throw ConfigFailure{entry.namePos, entry.value.key(), std::move(problem)};
    }
    std::string hash = entry.value.scalar("expected a crypt(3) password hash");
    if (std::string problem = passwordHashProblem(hash); !problem.empty()) {
      entry.value.fail(std::move(problem));
    }
    users.push_back(AdminUser{entry.name, std::move(hash)});
  }
}

void parseAdmin(const ConfigValue& value, Config& config) {
  const ConfigMap map = value.map({"listen", "allow_public", "users"});
  if (const ConfigValue* users = map.find("users")) {
    parseAdminUsers(*users, config.admin.users);
  }
  if (const ConfigValue* allowPublic = map.find("allow_public")) {
    config.admin.allowPublic = allowPublic->boolean();
  }
  const ConfigValue* listen = map.find("listen");
  if (listen == nullptr) {
    return;
  }
  config.admin.listen = listen->string();
  config.admin.pos = listen->pos();
  if (config.admin.listen.empty()) {
    return;
  }
  auto resolved = resolveAddress(config.admin.listen);
  if (!resolved.ok()) {
    listen->fail(std::move(resolved).error());
  }
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    if (sameBindAddress(config.listeners[i].socket, resolved.value())) {
      listen->fail("same address as listen[" + std::to_string(i) + "]");
    }
  }
  if (!config.admin.allowPublic && !net::isLoopback(resolved.value().storage)) {
    listen->fail("\"" + config.admin.listen +
                 "\" is not a loopback address, and /metrics and /healthz have no "
                 "authentication; use 127.0.0.1 or [::1], or set admin.allow_public: true");
  }
  config.admin.socket = resolved.value();
}

void parseRoot(const ConfigValue& root, Config& config) {
  const ConfigMap map = root.map({"listen", "tls", "user", "workers", "routes", "void_page",
                                  "headers", "timeouts", "limits", "log", "admin"});
  detail::parseListeners(map.require("listen"), config.listeners);
  if (const ConfigValue* tls = map.find("tls")) {
    detail::parseTlsGlobal(*tls, config.tls);
  }
  if (const ConfigValue* user = map.find("user")) {
    config.user = user->string();
    if (!config.user.empty()) {
      detail::checkUser(*user, config.user, true);
    }
  }
  if (const ConfigValue* workers = map.find("workers")) {
    parseWorkers(*workers, config);
  }
  config.routes.backend.name = "127.0.0.1";
  config.routes.backend.socket = resolveHost(config.routes.backend.name).value();
  if (const ConfigValue* routes = map.find("routes")) {
    detail::parseRoutes(*routes, config.routes, config.file);
  }
  if (const ConfigValue* voidPage = map.find("void_page")) {
    config.voidPageFile = voidPage->string();
    if (!config.voidPageFile.empty()) {
      config.voidPage = detail::readSmallFile(*voidPage, config.voidPageFile, kMaxVoidPage);
    }
  }
  if (const ConfigValue* headers = map.find("headers")) {
    parseHeaders(*headers, config.headers);
  }
  if (const ConfigValue* timeouts = map.find("timeouts")) {
    parseTimeouts(*timeouts, config.timeouts, config.file);
  }
  if (const ConfigValue* limits = map.find("limits")) {
    parseLimits(*limits, config.limits);
  }
  if (const ConfigValue* log = map.find("log")) {
    parseLog(*log, config.log);
  }
  if (const ConfigValue* admin = map.find("admin")) {
    parseAdmin(*admin, config);
  }
}

// Reads the regular file `path` into `text`; returns 0 or an errno value.
int readWholeFile(const std::string& path, std::string& text) {
  return readRegularFile(path, text);
}

}  // namespace

std::string formatConfigError(const std::string& file, SourcePos pos, std::string_view key,
                              std::string_view message) {
  std::string text = file;
  if (pos.line > 0) {
    text += ':' + std::to_string(pos.line) + ':' + std::to_string(pos.column);
  }
  text += ": ";
  if (!key.empty()) {
    text += key;
    text += ": ";
  }
  text += message;
  return text;
}

Result<Config, ConfigError> parseConfig(const std::string& yamlText, const std::string& file) {
  using Parsed = Result<Config, ConfigError>;
  try {
    const YAML::Node root = YAML::Load(yamlText);
    Config config;
    config.file = file;
    // The top level has no position: a missing key there reads
    // "FILE: listen: required key is missing".
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
      return Parsed::fail(ConfigError{
          formatConfigError(file, detail::toSourcePos(root.Mark()), "", "expected a mapping")});
    }
    parseRoot(ConfigValue(root, "", SourcePos{}), config);
    return Parsed::success(std::move(config));
  } catch (const ConfigFailure& failure) {
    return Parsed::fail(
        ConfigError{formatConfigError(file, failure.pos, failure.key, failure.message)});
  } catch (const YAML::ParserException& e) {
    return Parsed::fail(ConfigError{
        formatConfigError(file, detail::toSourcePos(e.mark), "", "syntax error: " + e.msg)});
  } catch (const YAML::Exception& e) {
    return Parsed::fail(
        ConfigError{formatConfigError(file, detail::toSourcePos(e.mark), "", e.msg)});
  } catch (const std::exception& e) {
    return Parsed::fail(ConfigError{formatConfigError(file, {}, "", e.what())});
  } catch (...) {
    return Parsed::fail(
        ConfigError{formatConfigError(file, {}, "", "unexpected error while loading")});
  }
}

Result<Config, ConfigError> loadConfig(const std::string& path) {
  std::string text;
  if (const int error = readWholeFile(path, text); error != 0) {
    return Result<Config, ConfigError>::fail(ConfigError{
        formatConfigError(path, {}, "", std::string("cannot read: ") + std::strerror(error))});
  }
  return parseConfig(text, path);
}

}  // namespace httpgate::gate
