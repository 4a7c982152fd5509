#include "gate/telemetry/logging.h"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace httpgate::gate {
namespace {

spdlog::level::level_enum toSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::Trace:
      return spdlog::level::trace;
    case LogLevel::Debug:
      return spdlog::level::debug;
    case LogLevel::Info:
      return spdlog::level::info;
    case LogLevel::Warn:
      return spdlog::level::warn;
    case LogLevel::Error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// Appends `s` as the inside of a JSON string.
void appendJsonEscaped(fmt::memory_buffer& out, std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else {
      out.push_back(c);
    }
  }
}

// Appends `s` for a quoted field of the combined format: quotes and
// backslashes escaped, control bytes as \xHH (as nginx does).
void appendCombinedEscaped(fmt::memory_buffer& out, std::string_view s) {
  if (s.empty()) {
    out.push_back('-');
    return;
  }
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || u < 0x20 || u >= 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\x{:02X}", u);
    } else {
      out.push_back(c);
    }
  }
}

std::atomic<int> gAccessLogCounter{0};

// The syslog priority of a level, as sd-daemon(3)'s SD_ERR ... SD_DEBUG.
int syslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::info:
      return 6;
    default:
      return 7;  // debug, trace
  }
}

// %* in the pattern: "<N>", which journald reads as the line's priority
// and strips.
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    fmt::format_to(std::back_inserter(dest), "<{}>", syslogPriority(msg.level));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

// JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to
// stdout/stderr (systemd.exec(5)). It is inherited by whatever we start, so
// it counts only when stderr is still that very stream.
bool stderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) {
    return false;
  }
  unsigned long long device = 0;
  unsigned long long inode = 0;
  char end = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &end) != 2) {
    return false;
  }
  struct stat st {};
  return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}

}  // namespace

void setupLogging(LogLevel level) {
  auto logger = spdlog::stderr_logger_mt("httpgate");
  if (stderrIsJournal()) {
    // The journal stamps each line itself; a priority prefix lets
    // `journalctl -p warning` filter, and colours errors.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  }
  logger->set_level(toSpdlog(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void setLogLevel(LogLevel level) {
  spdlog::set_level(toSpdlog(level));
}

Result<std::shared_ptr<AccessLog>> AccessLog::open(const LogConfig& config) {
  if (config.access == "off") {
    return Result<std::shared_ptr<AccessLog>>::success(nullptr);
  }
  // Every reload makes a new logger; spdlog wants distinct registry names.
  std::string name = "access-" + std::to_string(gAccessLogCounter++);
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (config.access == "stderr") {
      logger =
          std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
          name, std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.access, false));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Result<std::shared_ptr<AccessLog>>::fail("log.access: cannot open \"" + config.access +
                                                    "\": " + e.what());
  }
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  return Result<std::shared_ptr<AccessLog>>::success(
      std::shared_ptr<AccessLog>(new AccessLog(std::move(logger), config.accessFormat)));
}

void AccessLog::write(const AccessRecord& r) {
  fmt::memory_buffer line;
  tm utc{};
  gmtime_r(&r.start.tv_sec, &utc);
  if (format_ == AccessFormat::Json) {
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &utc);
    fmt::format_to(std::back_inserter(line), "{{\"time\":\"{}.{:03d}Z\",\"client\":\"", when,
                   static_cast<int>(r.start.tv_nsec / 1000000));
    appendJsonEscaped(line, r.client);
    fmt::format_to(std::back_inserter(line), "\",\"method\":\"");
    appendJsonEscaped(line, r.method);
    fmt::format_to(std::back_inserter(line), "\",\"path\":\"");
    appendJsonEscaped(line, r.target);
    fmt::format_to(std::back_inserter(line),
                   "\",\"status\":{},\"bytes\":{},\"backend\":{},\"duration_ms\":{:.3f},"
                   "\"referer\":\"",
                   r.status, r.bytes, r.backendPort, r.durationMs);
    appendJsonEscaped(line, r.referer);
    fmt::format_to(std::back_inserter(line), "\",\"user_agent\":\"");
    appendJsonEscaped(line, r.userAgent);
    fmt::format_to(std::back_inserter(line), "\"}}");
  } else {
    char when[40];
    strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &utc);
    fmt::format_to(std::back_inserter(line), "{} - - [{}] \"", r.client, when);
    appendCombinedEscaped(line, r.method);
    line.push_back(' ');
    appendCombinedEscaped(line, r.target);
    fmt::format_to(std::back_inserter(line), " {}\" {} {} \"", r.version, r.status, r.bytes);
    appendCombinedEscaped(line, r.referer);
    fmt::format_to(std::back_inserter(line), "\" \"");
    appendCombinedEscaped(line, r.userAgent);
    fmt::format_to(std::back_inserter(line), "\" backend={} time={:.3f}", r.backendPort,
                   r.durationMs / 1000.0);
  }
  logger_->info(std::string_view(line.data(), line.size()));
}

}  // namespace httpgate::gate
