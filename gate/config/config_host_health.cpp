// routes.hosts[i].fail_after and .down_for: the passive health settings of a
// remote host (see host_health.h). The state is kept per host name, so all
// ranges naming one host share one set of values: the first range that
// names the host sets them (or leaves the defaults); a later range may
// repeat them or leave them out, and one that writes another value is an
// error, rather than a value silently ignored.
#include <string>

#include "gate/config/config_sections.h"

namespace httpgate::gate::detail {
namespace {

// Upper bound for fail_after: a count any operator would mean, nothing more.
constexpr uint64_t kMaxFailAfter = 1000;

// "routes.hosts[j]" for the key `entryKey` ("routes.hosts[i].fail_after").
std::string entryName(const std::string& entryKey, size_t j) {
  const size_t bracket = entryKey.rfind('[');
  return entryKey.substr(0, bracket) + "[" + std::to_string(j) + "]";
}

// Fails at `value` when `written` differs from `earlier`, the value the
// host already has from the entry at index `j`.
template <typename T>
void checkSame(const ConfigValue& value, const std::string& host, T written, T earlier,
               const std::string& shown, size_t j) {
  if (written != earlier) {
    const std::string name = value.key().substr(value.key().rfind('.') + 1);
    value.fail("host " + host + " already has " + name + " " + shown + " from " +
               entryName(value.key(), j) +
               " (the ranges of one host share its health: set it on the first)");
  }
}

}  // namespace

void parseHostHealth(const ConfigMap& map, HostRange& entry,
                     const std::vector<HostRange>& earlier) {
  const ConfigValue* failAfter = map.find("fail_after");
  const ConfigValue* downFor = map.find("down_for");
  if (failAfter != nullptr) {
    entry.failAfter = static_cast<uint32_t>(failAfter->number(1, kMaxFailAfter));
  }
  if (downFor != nullptr) {
    entry.downFor = downFor->positiveDuration();
  }
  for (size_t j = 0; j < earlier.size(); ++j) {
    const HostRange& first = earlier[j];
    if (first.host.name != entry.host.name) {
      continue;
    }
    if (failAfter != nullptr) {
      checkSame(*failAfter, entry.host.name, entry.failAfter, first.failAfter,
                std::to_string(first.failAfter), j);
    }
    if (downFor != nullptr) {
      checkSame(*downFor, entry.host.name, entry.downFor, first.downFor,
                std::to_string(first.downFor.count()) + "ms", j);
    }
    entry.failAfter = first.failAfter;
    entry.downFor = first.downFor;
    return;
  }
}

}  // namespace httpgate::gate::detail
