#include "common/http/forwarded_for.h"

#include <string_view>

#include "common/http/chars.h"
#include "common/net/address.h"

namespace httpgate::http {

namespace {

std::string_view trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool isForwardedFor(std::string_view name) {
  return iequals(name, "x-forwarded-for");
}

}  // namespace

std::optional<sockaddr_storage> clientFromForwardedFor(const std::vector<HeaderField>& headers,
                                                       const net::CidrSet& trusted) {
  std::optional<sockaddr_storage> client;
  // Fields from the last to the first, entries in each from the right.
  for (auto field = headers.rbegin(); field != headers.rend(); ++field) {
    if (!isForwardedFor(field->name)) {
      continue;
    }
    std::string_view list = field->value;
    while (true) {
      const size_t comma = list.rfind(',');
      const std::string_view entry =
          trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      if (!entry.empty()) {
        const auto address = net::parseIpAddress(entry, 0);
        if (!address) {
          return client;  // not an address: the walk ends at the hop right of it
        }
        client = address;
        if (!trusted.contains(*address)) {
          return client;
        }
      }
      if (comma == std::string_view::npos) {
        break;
      }
      list = list.substr(0, comma);
    }
  }
  return client;
}

}  // namespace httpgate::http
