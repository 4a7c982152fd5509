#include "bench/appserver/visitor/url.h"

#include <charconv>

namespace httpgate::bench::appserver {

std::optional<Url> parseUrl(std::string_view text, const Url& base) {
  if (text.starts_with("/")) {
    Url url = base;
    url.path = std::string(text);
    return url;
  }
  Url url;
  if (text.starts_with("https://")) {
    url.tls = true;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    url.host = std::string(authority);
    url.port = url.tls ? 443 : 80;
  } else {
    url.host = std::string(authority.substr(0, colon));
    std::string_view digits = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<uint16_t>(value);
  }
  if (url.host.empty()) {
    return std::nullopt;
  }
  return url;
}

}  // namespace httpgate::bench::appserver
