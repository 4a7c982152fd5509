// The legacy command line as a Config. Everything not said by the command
// line keeps the YAML defaults (config.h), except the access log, which
// httpGate never had.
#include "gate/config/legacy_config.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "gate/config/config_file_text.h"
#include "gate/config/config_values.h"
#include "gate/config/names_file.h"

namespace httpgate::gate {

namespace {

constexpr size_t kMaxVoidPage = 1024 * 1024;  // as void_page in YAML

bool allDigits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string absolute(const std::string& path, const std::string& cwd) {
  return path.front() == '/' ? path : cwd + "/" + path;
}

// `text` as a port from `min` to 65535, or a message naming `what`.
Result<uint16_t> port(const std::string& text, uint64_t min, const std::string& what) {
  const auto value = parseNumber(text, 65535);
  if (!value || *value < min) {
    return Result<uint16_t>::fail(what + " \"" + text + "\" is not a port number (" +
                                  std::to_string(min) + " to 65535)");
  }
  return Result<uint16_t>::success(static_cast<uint16_t>(*value));
}

// "" when `path` can be opened for reading, else why not.
std::string unreadable(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return "cannot read \"" + path + "\": " + std::strerror(errno);
  }
  ::close(fd);
  return {};
}

}  // namespace

std::string readVoidPage(const std::string& path, std::optional<std::string>& page) {
  const auto fail = [&](int error) {
    return "cannot read \"" + path + "\": " + std::strerror(error);
  };
  std::string content;
  if (const int error = readRegularFile(path, content, kMaxVoidPage); error == ENOENT) {
    return {};  // no void page, as httpGate without a "void" file
  } else if (error == EFBIG) {
    return "\"" + path + "\" is larger than 1024 KiB";
  } else if (error != 0) {
    return fail(error);
  }
  page = std::move(content);
  return {};
}

Result<LegacyArgs> parseLegacyArgs(const std::vector<std::string>& args, const std::string& cwd) {
  using Parsed = Result<LegacyArgs>;
  if (args.size() < 2) {
    return Parsed::fail(
        "the legacy command line needs PORT and DEFAULT: "
        "PORT DEFAULT [KEY,CERT [DENIED-PORT ...]]");
  }
  LegacyArgs legacy;
  auto listen = port(args[0], 0, "PORT");
  if (!listen.ok()) {
    return Parsed::fail(std::move(listen).error());
  }
  legacy.port = listen.value();
  // As httpGate: a number is the default port, anything else a names file.
  if (allDigits(args[1])) {
    auto defaultPort = port(args[1], 1, "DEFAULT");
    if (!defaultPort.ok()) {
      return Parsed::fail(std::move(defaultPort).error());
    }
    legacy.defaultPort = defaultPort.value();
  } else if (args[1].empty()) {
    return Parsed::fail("DEFAULT is empty (expected a port or a names file)");
  } else {
    legacy.namesFile = absolute(args[1], cwd);
  }
  // An empty third argument means plain HTTP, as in httpGate.
  if (args.size() > 2 && !args[2].empty()) {
    const std::string& pem = args[2];
    const size_t comma = pem.find(',');
    legacy.keyFile = pem.substr(0, comma);
    legacy.certFile = comma == std::string::npos ? legacy.keyFile : pem.substr(comma + 1);
    if (legacy.keyFile.empty() || legacy.certFile.empty()) {
      return Parsed::fail("KEY,CERT \"" + pem +
                          "\": expected KEY,CERT or one PEM file holding both");
    }
    legacy.keyFile = absolute(legacy.keyFile, cwd);
    legacy.certFile = absolute(legacy.certFile, cwd);
  }
  for (size_t i = 3; i < args.size(); ++i) {
    auto denied = port(args[i], 1, "DENIED-PORT");
    if (!denied.ok()) {
      return Parsed::fail(std::move(denied).error());
    }
    legacy.deny.push_back(denied.value());
  }
  legacy.voidFile = absolute("void", cwd);
  return Parsed::success(std::move(legacy));
}

Result<Config> buildLegacyConfig(const LegacyArgs& args) {
  using Built = Result<Config>;
  Config config;
  config.file = kLegacyConfigName;
  ListenConfig listener;
  listener.address = "[::]:" + std::to_string(args.port);
  auto resolved = resolveAddress(listener.address);
  if (!resolved.ok()) {
    return Built::fail(listener.address + ": " + resolved.error());
  }
  listener.socket = resolved.value();
  if (!args.keyFile.empty()) {
    for (const std::string* file : {&args.keyFile, &args.certFile}) {
      if (std::string error = unreadable(*file); !error.empty()) {
        return Built::fail("KEY,CERT: " + error);
      }
    }
    TlsConfig tls;
    // httpGate never stapled, nor made requests of its own: neither does
    // its command line.
    tls.certificates.push_back({args.certFile, args.keyFile, {}, {}, OcspMode::Off, {}, {}});
    listener.tls = std::move(tls);
  }
  config.listeners.push_back(std::move(listener));

  config.routes.backend.name = "127.0.0.1";
  config.routes.backend.socket = resolveHost(config.routes.backend.name).value();
  for (uint16_t denied : args.deny) {
    config.routes.deny.push_back({denied, denied});
  }
  if (args.namesFile.empty()) {
    config.routes.defaultPort = args.defaultPort;
  } else {
    auto read = readNamesFile(args.namesFile, systemUserLookup());
    if (!read.ok()) {
      return Built::fail(std::move(read).error());
    }
    const NamesFile& names = read.value();
    for (const std::string& warning : names.warnings) {
      spdlog::warn("{}", warning);
    }
    for (const NamesEntry& entry : names.entries) {
      config.routes.apps.push_back(entry.app);
    }
    std::sort(config.routes.apps.begin(), config.routes.apps.end(),
              [](const AppConfig& a, const AppConfig& b) { return a.name < b.name; });
    if (auto error = applyNamesDefault(names, config.routes)) {
      return Built::fail(std::move(*error));
    }
    config.routes.namesFile = args.namesFile;
  }

  // httpGate opens ./void for every 410: an operator may add, edit or remove
  // it while the gate runs. A void page unreadable now is still an error.
  std::optional<std::string> page;
  if (std::string error = readVoidPage(args.voidFile, page); !error.empty()) {
    return Built::fail("void page: " + error);
  }
  config.voidPageFile = args.voidFile;
  config.voidPagePerRequest = true;
  // httpGate's one 420 s alarm guards a backend computing a long answer.
  config.timeouts.response = config.timeouts.tunnel = Duration{420'000};
  config.log.access = "off";
  return Built::success(std::move(config));
}

}  // namespace httpgate::gate
