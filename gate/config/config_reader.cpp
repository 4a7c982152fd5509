#include "gate/config/config_reader.h"

#include <algorithm>

#include "gate/config/config_values.h"

namespace httpgate::gate::detail {

namespace {

// yaml-cpp tags plain (unquoted) scalars "?" and quoted ones "!".
bool isPlain(const YAML::Node& node) {
  return node.Tag() == "?";
}

}  // namespace

SourcePos toSourcePos(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) {
    return {};
  }
  return {mark.line + 1, mark.column + 1};
}

std::string childKey(std::string_view parent, std::string_view name) {
  std::string key(parent);
  if (!key.empty()) {
    key += '.';
  }
  key += name;
  return key;
}

void ConfigValue::fail(std::string message) const {
  throw ConfigFailure{pos_, key_, std::move(message)};
}

std::string ConfigValue::scalar(std::string_view expected) const {
  if (isNull() || !node_.IsScalar()) {
    fail(std::string(expected));
  }
  return node_.Scalar();
}

std::string ConfigValue::filePath() const {
  std::string path = scalar("expected a file path");
  if (path.empty()) {
    fail("expected a file path");
  }
  return path;
}

bool ConfigValue::boolean() const {
  // YAML 1.2's core schema; yaml-cpp would also take yes/no/on/off, which
  // YAML 1.2 reads as strings, so a file would mean different things to
  // different tools.
  if (!isNull() && node_.IsScalar() && isPlain(node_)) {
    const std::string& text = node_.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") {
      return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      return false;
    }
  }
  fail("expected true or false");
}

Duration ConfigValue::positiveDuration() const {
  const std::string text = scalar("expected a duration such as 500ms, 30s, 5m or 1h");
  auto parsed = parseDuration(text);
  if (!parsed.ok()) {
    fail(std::move(parsed).error());
  }
  if (parsed.value().count() == 0) {
    fail("duration must be greater than zero");
  }
  return parsed.value();
}

uint64_t ConfigValue::number(uint64_t min, uint64_t max) const {
  const std::string expected =
      "expected a number from " + std::to_string(min) + " to " + std::to_string(max);
  const auto value = parseNumber(scalar(expected), max);
  if (!value || *value < min) {
    fail(expected);
  }
  return *value;
}

std::vector<ConfigValue> ConfigValue::list() const {
  std::vector<ConfigValue> items;
  if (isNull()) {
    return items;
  }
  if (!node_.IsSequence()) {
    fail("expected a list");
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node item = *it;  // a handle; *it is a temporary
    const std::string key = key_ + "[" + std::to_string(items.size()) + "]";
    // A null item ("- " alone) has no useful mark of its own: use the list's.
    const SourcePos pos = item.IsNull() ? pos_ : toSourcePos(item.Mark());
    items.emplace_back(item, key, pos);
  }
  return items;
}

ConfigMap ConfigValue::openMap() const {
  ConfigMap map(key_, pos_);
  if (isNull()) {
    return map;
  }
  if (!node_.IsMap()) {
    fail("expected a mapping");
  }
  // yaml-cpp's iterators hand out temporaries: copy the nodes (they are
  // handles) rather than keep references into them.
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node name = it->first;
    const YAML::Node value = it->second;
    const SourcePos namePos = toSourcePos(name.Mark());
    if (!name.IsScalar()) {
      throw ConfigFailure{namePos, key_, "expected a key name"};
    }
    const std::string text = name.Scalar();
    const std::string key = childKey(key_, text);
    if (map.find(text) != nullptr) {
      throw ConfigFailure{namePos, key, "duplicate key"};
    }
    // An empty value has no mark of its own: yaml-cpp gives the next
    // token's, which may be lines below. Then point at the key instead.
    SourcePos valuePos = toSourcePos(value.Mark());
    if (value.IsNull() && valuePos.line != namePos.line) {
      valuePos = namePos;
    }
    map.entries_.push_back({text, namePos, ConfigValue(value, key, valuePos)});
  }
  return map;
}

ConfigMap ConfigValue::map(std::initializer_list<std::string_view> known) const {
  ConfigMap map = openMap();
  for (const ConfigMap::Entry& entry : map.entries()) {
    if (std::find(known.begin(), known.end(), entry.name) == known.end()) {
      throw ConfigFailure{entry.namePos, entry.value.key(), "unknown key"};
    }
  }
  return map;
}

const ConfigValue* ConfigMap::find(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.name == name) {
      return &entry.value;
    }
  }
  return nullptr;
}

const ConfigValue& ConfigMap::require(std::string_view name) const {
  const ConfigValue* value = find(name);
  if (value == nullptr) {
    throw ConfigFailure{pos_, childKey(key_, name), "required key is missing"};
  }
  return *value;
}

}  // namespace httpgate::gate::detail
