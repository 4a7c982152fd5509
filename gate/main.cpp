// httpgate: the command line. See httpgate(8).
#include <event2/thread.h>
#include <getopt.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gate/config/legacy_config.h"
#include "gate/process/server.h"
#include "gate/telemetry/logging.h"
#include "gate/tls/http_fetch.h"
#include "version.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/httpgate/httpgate.yaml";

void usage(FILE* out) {
  fprintf(out,
          "usage: httpgate [-c FILE]        run in the foreground with FILE (default %s)\n"
          "       httpgate -t [-c FILE]     check the configuration and certificates, exit 0 or 1\n"
          "       httpgate [-f] [-t] PORT DEFAULT [KEY,CERT [DENIED-PORT ...]]\n"
          "                                 PicoLisp httpGate's command line: DEFAULT is a port\n"
          "                                 or a names file; detaches unless -f (foreground)\n"
          "       httpgate --version | --help\n",
          kDefaultConfig);
}

std::string currentDirectory() {
  std::vector<char> buffer(4096);
  while (::getcwd(buffer.data(), buffer.size()) == nullptr) {
    if (errno != ERANGE) {
      return ".";  // the paths stay relative; the gate never changes directory
    }
    buffer.resize(buffer.size() * 2);
  }
  return buffer.data();
}

// The loader of the legacy form: builds the configuration from the command
// line again at every HUP, re-reading the names file and ./void.
httpgate::gate::ConfigLoader legacyConfigLoader(httpgate::gate::LegacyArgs args) {
  using namespace httpgate::gate;
  return [args = std::move(args)]() -> LoadedConfig {
    auto built = buildLegacyConfig(args);
    if (!built.ok()) {
      return LoadedConfig::fail(std::move(built).error());
    }
    return LoadedConfig::success(std::make_shared<const Config>(std::move(built).value()));
  };
}

}  // namespace

int main(int argc, char** argv) {
  static const option kOptions[] = {
      {"config", required_argument, nullptr, 'c'}, {"test", no_argument, nullptr, 't'},
      {"foreground", no_argument, nullptr, 'f'},   {"version", no_argument, nullptr, 'V'},
      {"help", no_argument, nullptr, 'h'},         {nullptr, 0, nullptr, 0},
  };
  std::string configPath = kDefaultConfig;
  bool configGiven = false;
  bool checkOnly = false;
  bool foreground = false;
  int option = 0;
  while ((option = getopt_long(argc, argv, "c:tfh", kOptions, nullptr)) != -1) {
    switch (option) {
      case 'c':
        configPath = optarg;
        configGiven = true;
        break;
      case 't':
        checkOnly = true;
        break;
      case 'f':
        foreground = true;
        break;
      case 'V':
        printf("httpgate %s (%s)\n", HTTPGATE_VERSION, OpenSSL_version(OPENSSL_VERSION));
        return 0;
      case 'h':
        usage(stdout);
        return 0;
      default:
        usage(stderr);
        return 2;
    }
  }
  const std::vector<std::string> positional(argv + optind, argv + argc);
  httpgate::gate::ConfigLoader loader;
  std::string configName = configPath;
  bool legacy = !positional.empty();
  if (legacy) {
    if (configGiven) {
      fprintf(stderr, "httpgate: -c and the legacy \"PORT DEFAULT ...\" form exclude each other\n");
      usage(stderr);
      return 2;
    }
    auto parsed = httpgate::gate::parseLegacyArgs(positional, currentDirectory());
    if (!parsed.ok()) {
      fprintf(stderr, "httpgate: %s\n", parsed.error().c_str());
      usage(stderr);
      return 2;
    }
    loader = legacyConfigLoader(std::move(parsed).value());
    configName = "from the command line";
  } else {
    loader = httpgate::gate::yamlConfigLoader(configPath);
  }
  if (checkOnly) {
    httpgate::gate::setupLogging(httpgate::gate::LogLevel::Info);  // names-file warnings
    return httpgate::gate::checkConfiguration(loader, configName);
  }
  evthread_use_pthreads();
  httpgate::gate::initHttpFetch();  // libcurl's global state, while one thread runs
  httpgate::gate::setupLogging(httpgate::gate::LogLevel::Info);
  // Like httpGate, the legacy form detaches, unless -f, or unless this is
  // the re-executed binary of a zero-downtime upgrade (whose parent waits).
  httpgate::gate::ServerOptions options;
  options.detach = legacy && !foreground && std::getenv("HTTPGATE_UPGRADE_FDS") == nullptr;
  httpgate::gate::Server server(std::move(loader));
  server.rememberCommandLine(argc, argv);  // for SIGUSR2
  return server.run(options);
}
