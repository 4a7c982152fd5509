// httpgate-bench-client: the bench's own client for what wrk cannot do:
// full TLS handshakes without session resumption, the latency of a first
// request on a fresh connection, and many idle connections held open.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/client/modes.h"
#include "bench/client/options.h"
#include "bench/client/tls_setup.h"

int main(int argc, char** argv) {
  using namespace httpgate::bench;
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(usage(), stdout);
    return 0;
  }
  std::string error;
  std::optional<Options> options = parseOptions(argc, argv, error);
  if (!options) {
    std::fprintf(stderr, "httpgate-bench-client: %s\n%s", error.c_str(), usage());
    return 2;
  }
  // A peer that resets a connection must not kill the client mid-write.
  std::signal(SIGPIPE, SIG_IGN);
  SSL_CTX* context = nullptr;
  if (!options->plain) {
    context = makeClientContext(options->groups, error);
    if (context == nullptr) {
      std::fprintf(stderr, "httpgate-bench-client: %s\n", error.c_str());
      return 2;
    }
  }
  int status = 2;
  switch (options->mode) {
    case Mode::Handshakes:
      status = runHandshakes(*options, context);
      break;
    case Mode::Latency:
      status = runLatency(*options, context);
      break;
    case Mode::Hold:
      status = runHold(*options, context);
      break;
  }
  SSL_CTX_free(context);
  return status;
}
