#include "gate/proxy/raw_tunnel.h"

namespace httpgate::gate {

std::string_view finalPathSegment(std::string_view path) {
  path = path.substr(0, path.find('?'));
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool wantsRawTunnel(const http::RequestHead& head, const std::vector<std::string>& rawPaths) {
  if (rawPaths.empty() || head.version != http::Version::Http10 ||
      head.body != http::BodyKind::None || (head.method != "GET" && head.method != "POST")) {
    return false;
  }
  const std::string_view segment = finalPathSegment(head.path);
  for (const std::string& raw : rawPaths) {
    if (segment == raw) {
      return true;
    }
  }
  return false;
}

}  // namespace httpgate::gate
