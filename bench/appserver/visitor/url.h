// The absolute URLs the visitor follows: scheme, host, port and path, as
// a notes app or PicoLisp writes them into a Location header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpgate::bench::appserver {

struct Url {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string path = "/";

  // host:port, as the Host header carries it.
  std::string authority() const { return host + ":" + std::to_string(port); }
};

// Parses http(s)://HOST[:PORT][/PATH]; a Location that is only a path
// ("/x") keeps `base`'s scheme, host and port. nullopt when it is neither.
std::optional<Url> parseUrl(std::string_view text, const Url& base);

}  // namespace httpgate::bench::appserver
