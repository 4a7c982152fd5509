// httpgate: the command line. See httpgate(8).
#include <event2/thread.h>
#include <getopt.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "gate/logging.h"
#include "gate/server.h"
#include "version.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/httpgate/httpgate.yaml";

void usage(FILE* out) {
  fprintf(out,
          "usage: httpgate [-c FILE]        run in the foreground with FILE (default %s)\n"
          "       httpgate -t [-c FILE]     check the configuration and certificates, exit 0 or 1\n"
          "       httpgate --version | --help\n",
          kDefaultConfig);
}

}  // namespace

int main(int argc, char** argv) {
  static const option kOptions[] = {
      {"config", required_argument, nullptr, 'c'},
      {"test", no_argument, nullptr, 't'},
      {"version", no_argument, nullptr, 'V'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  std::string configPath = kDefaultConfig;
  bool checkOnly = false;
  int option = 0;
  while ((option = getopt_long(argc, argv, "c:th", kOptions, nullptr)) != -1) {
    switch (option) {
      case 'c':
        configPath = optarg;
        break;
      case 't':
        checkOnly = true;
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
  if (optind < argc) {
    fprintf(stderr,
            "httpgate: unexpected argument \"%s\" (the legacy httpGate command line "
            "\"PORT DEFAULT [KEY,CERT ...]\" is not supported yet)\n",
            argv[optind]);
    usage(stderr);
    return 2;
  }
  if (checkOnly) {
    return httpgate::gate::checkConfiguration(configPath);
  }
  evthread_use_pthreads();
  httpgate::gate::setupLogging(httpgate::gate::LogLevel::Info);
  httpgate::gate::Server server(httpgate::gate::yamlConfigLoader(configPath));
  server.rememberCommandLine(argc, argv);  // for SIGUSR2
  return server.run();
}
