#include "gate/proxy/backend_census.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace httpgate::gate {
namespace {

BackendUse& entryFor(std::vector<BackendUse>& uses, const BackendKey& key) {
  for (BackendUse& use : uses) {
    if (use.key == key) {
      return use;
    }
  }
  uses.push_back(BackendUse{key});
  return uses.back();
}

}  // namespace

std::string BackendUse::address() const {
  char text[INET6_ADDRSTRLEN] = {};
  const int family = key.family == AF_INET6 ? AF_INET6 : AF_INET;
  if (inet_ntop(family, key.address, text, sizeof(text)) == nullptr) {
    return "?";
  }
  return text;
}

std::vector<BackendUse> takeCensus(const BackendConnectionList& list) {
  // A linear search per connection: a worker talks to few distinct ports
  // at once compared with its connections, and this runs only when asked.
  std::vector<BackendUse> uses;
  for (const BackendConnection* c = list.first(); c != nullptr; c = c->nextInList()) {
    BackendUse& use = entryFor(uses, c->key());
    ++(c->pooled() ? use.pooled : use.active);
  }
  return uses;
}

void mergeCensus(std::vector<BackendUse>& into, const std::vector<BackendUse>& more) {
  for (const BackendUse& use : more) {
    BackendUse& entry = entryFor(into, use.key);
    entry.active += use.active;
    entry.pooled += use.pooled;
  }
  std::sort(into.begin(), into.end(), [](const BackendUse& a, const BackendUse& b) {
    if (a.key.port != b.key.port) {
      return a.key.port < b.key.port;
    }
    if (a.key.family != b.key.family) {
      return a.key.family < b.key.family;
    }
    const int address = std::memcmp(a.key.address, b.key.address, sizeof(a.key.address));
    return address != 0 ? address < 0 : a.key.tls < b.key.tls;
  });
}

}  // namespace httpgate::gate
