#include "bench/client/options.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace httpgate::bench {
namespace {

template <typename Number>
bool parseNumber(std::string_view text, Number min, Number max, Number& out) {
  Number value{};
  const char* end = text.data() + text.size();
  auto [next, code] = std::from_chars(text.data(), end, value);
  if (code != std::errc() || next != end || value < min || value > max) {
    return false;
  }
  out = value;
  return true;
}

std::optional<Mode> parseMode(std::string_view name) {
  if (name == "handshakes") {
    return Mode::Handshakes;
  }
  if (name == "latency") {
    return Mode::Latency;
  }
  if (name == "hold") {
    return Mode::Hold;
  }
  return std::nullopt;
}

// Applies one "--name value" pair; false when the name is unknown or the
// value does not parse.
bool applyOption(std::string_view name, std::string_view value, Options& options) {
  if (name == "--port") {
    return parseNumber<uint16_t>(value, 1, 65535, options.port);
  }
  if (name == "--seconds") {
    return parseNumber<double>(value, 0.1, 86400, options.seconds);
  }
  if (name == "--concurrency") {
    return parseNumber<unsigned>(value, 1, 1024, options.concurrency);
  }
  if (name == "--count") {
    return parseNumber<unsigned>(value, 1, 1'000'000, options.count);
  }
  if (name == "--requests") {
    return parseNumber<unsigned>(value, 1, 1000, options.requests);
  }
  if (name == "--timeout") {
    return parseNumber<double>(value, 0.1, 3600, options.timeoutSeconds);
  }
  if (name == "--host") {
    options.host = value;
    return true;
  }
  if (name == "--path") {
    options.path = value;
    return !value.empty() && value.front() == '/';
  }
  if (name == "--server-name") {
    options.serverName = value;
    return true;
  }
  if (name == "--groups") {
    options.groups = value;
    return true;
  }
  return false;
}

}  // namespace

const char* usage() {
  return "usage: httpgate-bench-client MODE --port P [options]\n"
         "modes:\n"
         "  handshakes  --seconds S --concurrency C   full TLS handshakes, one request each\n"
         "  latency     --count N [--seconds CAP]     connect-to-last-byte of a first request\n"
         "  hold        --count N [--concurrency C]   N idle connections until stdin EOF/TERM\n"
         "              [--requests R] [--h2]         R requests on each first (1): one after\n"
         "                                            another, or with --h2 (ALPN h2, HTTP/2)\n"
         "                                            as R concurrent streams\n"
         "options: --host H (127.0.0.1) --path /P (/) --server-name N (localhost)\n"
         "         --groups G (X25519:P-256) --timeout S (10) --plain (no TLS)\n"
         "         --proxy-v2 (a PROXY protocol v2 header, TCP4 from 192.0.2.x, before\n"
         "         anything else on every connection, as a balancer sends it)\n";
}

std::optional<Options> parseOptions(int argc, char** argv, std::string& error) {
  if (argc < 2) {
    error = "no mode given";
    return std::nullopt;
  }
  Options options;
  std::optional<Mode> mode = parseMode(argv[1]);
  if (!mode) {
    error = std::string("unknown mode: ") + argv[1];
    return std::nullopt;
  }
  options.mode = *mode;
  for (int i = 2; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--plain") {
      options.plain = true;
      continue;
    }
    if (name == "--h2") {
      options.h2 = true;
      continue;
    }
    if (name == "--proxy-v2") {
      options.proxyV2 = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = std::string("missing value for ") + argv[i];
      return std::nullopt;
    }
    if (!applyOption(name, argv[i + 1], options)) {
      error = std::string("bad option: ") + argv[i] + " " + argv[i + 1];
      return std::nullopt;
    }
    ++i;
  }
  if (options.port == 0) {
    error = "--port is required";
    return std::nullopt;
  }
  // Only hold has more than one request per connection or HTTP/2: the
  // other modes time or count exactly one HTTP/1.1 exchange.
  if ((options.h2 || options.requests != 1) && options.mode != Mode::Hold) {
    error = "--h2 and --requests are for hold only";
    return std::nullopt;
  }
  if (options.h2 && options.plain) {
    error = "--h2 needs TLS (there is no h2c): not with --plain";
    return std::nullopt;
  }
  return options;
}

}  // namespace httpgate::bench
