// Logging: the daemon's own messages go to stderr (journald under systemd),
// one line per event with its level; the access log is a separate sink
// (stderr, a file, or off) written once per completed request.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gate/config/config.h"

namespace httpgate::gate {

// Installs the stderr logger with `level` as spdlog's default. Call once at
// start-up; setLogLevel() changes the level on reload. Lines are
// "[time] [level] message", or "<N>message" (N the syslog priority, no
// time) when stderr is the journal (JOURNAL_STREAM names it).
void setupLogging(LogLevel level);
void setLogLevel(LogLevel level);

// What one access-log line says about a completed request.
struct AccessRecord {
  std::string_view client;  // client IP
  std::string_view method;
  std::string_view target;   // the request-target as received
  std::string_view version;  // "HTTP/1.1"
  int status = 0;
  uint64_t bytes = 0;        // bytes sent to the client for this response
  uint16_t backendPort = 0;  // 0 when the gate answered itself
  double durationMs = 0;
  std::string_view referer;
  std::string_view userAgent;
  timespec start{};  // when the request head arrived (CLOCK_REALTIME)
};

class AccessLog {
 public:
  // Opens the access log `config` asks for; nullptr result means "off".
  // A file that cannot be opened is an error naming it.
  static Result<std::shared_ptr<AccessLog>> open(const LogConfig& config);

  void write(const AccessRecord& record);

 private:
  AccessLog(std::shared_ptr<spdlog::logger> logger, AccessFormat format)
      : logger_(std::move(logger)), format_(format) {}

  std::shared_ptr<spdlog::logger> logger_;
  AccessFormat format_;
};

}  // namespace httpgate::gate
