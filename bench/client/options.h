// The command line of httpgate-bench-client: one mode and its settings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace httpgate::bench {

enum class Mode {
  Handshakes,  // new connection, full handshake, one request, close; repeat
  Latency,     // the same, one at a time, timing each
  Hold,        // open connections, --requests each (1), then keep them idle
};

struct Options {
  Mode mode = Mode::Handshakes;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path = "/";
  std::string serverName = "localhost";  // SNI and Host
  std::string groups = "X25519:P-256";   // key share goes to the first
  bool plain = false;                    // plain HTTP (the backend itself)
  double seconds = 10;                   // handshakes: run time; latency: time cap
  unsigned concurrency = 8;              // handshakes, hold: parallel connections
  unsigned count = 1000;                 // latency: samples; hold: connections
  unsigned requests = 1;                 // hold: requests per connection before it idles
  bool h2 = false;                       // hold: ALPN h2 only, HTTP/2 through libnghttp2
  bool proxyV2 = false;                  // a PROXY v2 header first on every connection
  double timeoutSeconds = 10;            // any one connect, read or write
};

// Parses `argv` (mode first, then --name value pairs). Returns nullopt and
// sets `error` on an unknown mode, unknown option, or a bad number.
std::optional<Options> parseOptions(int argc, char** argv, std::string& error);

// The usage text, for --help and errors.
const char* usage();

}  // namespace httpgate::bench
