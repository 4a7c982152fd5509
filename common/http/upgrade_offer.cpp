#include "common/http/upgrade_offer.h"

#include "common/http/chars.h"

namespace httpgate::http {

namespace {

// Calls `each` with every non-empty comma-separated element of `value`.
template <typename Each>
void forEachElement(std::string_view value, Each each) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view element = trimOws(value.substr(0, comma));
    if (!element.empty()) {
      each(element);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
}

// "WebSocket/13" -> "WebSocket".
std::string_view protocolName(std::string_view element) {
  return element.substr(0, element.find('/'));
}

bool isUpgradeField(const HeaderField& field) {
  return iequals(field.name, "upgrade");
}

}  // namespace

std::string allowedUpgrades(const std::vector<HeaderField>& fields,
                            const std::vector<std::string>& allowed) {
  std::string offer;
  for (const HeaderField& field : fields) {
    if (!isUpgradeField(field)) {
      continue;
    }
    forEachElement(field.value, [&](std::string_view element) {
      const std::string_view name = protocolName(element);
      for (const std::string& permitted : allowed) {
        if (iequals(name, permitted)) {
          if (!offer.empty()) {
            offer.append(", ");
          }
          offer.append(element);
          return;
        }
      }
    });
  }
  return offer;
}

bool switchesToOffered(const std::vector<HeaderField>& fields, std::string_view offered) {
  std::string_view chosen;
  int elements = 0;
  for (const HeaderField& field : fields) {
    if (isUpgradeField(field)) {
      forEachElement(field.value, [&](std::string_view element) {
        chosen = element;
        ++elements;
      });
    }
  }
  if (elements != 1) {
    return false;
  }
  bool found = false;
  forEachElement(offered, [&](std::string_view element) {
    // A protocol's name decides; a backend may add or drop the version.
    found = found || iequals(protocolName(element), protocolName(chosen));
  });
  return found;
}

}  // namespace httpgate::http
