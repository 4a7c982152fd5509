// The loader's view of the YAML tree. Every value carries its key path
// ("listen[0].tls.certificates[1].key") and its position, so that any problem
// can be reported as "FILE:LINE:COLUMN: KEY.PATH: message". The first problem
// ends the load: it is thrown as a ConfigFailure, which parseConfig() catches
// and formats. These exceptions never leave the configuration boundary.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate::detail {

struct ConfigFailure {
  SourcePos pos;
  std::string key;
  std::string message;
};

SourcePos toSourcePos(const YAML::Mark& mark);

class ConfigMap;

class ConfigValue {
 public:
  ConfigValue(YAML::Node node, std::string key, SourcePos pos)
      : node_(std::move(node)), key_(std::move(key)), pos_(pos) {}

  const std::string& key() const { return key_; }
  SourcePos pos() const { return pos_; }
  bool isNull() const { return !node_.IsDefined() || node_.IsNull(); }

  [[noreturn]] void fail(std::string message) const;

  // A scalar's text, or a failure with `expected` ("expected a string").
  std::string scalar(std::string_view expected) const;
  std::string string() const { return scalar("expected a string"); }
  // A non-empty string naming a file.
  std::string filePath() const;
  // YAML's true or false, unquoted; nothing else (no yes/no/on/off).
  bool boolean() const;
  // A duration above zero.
  Duration positiveDuration() const;
  // An unquoted or quoted decimal from `min` to `max`.
  uint64_t number(uint64_t min, uint64_t max) const;
  // The elements of a list (a null value is an empty list), keyed "key[i]".
  std::vector<ConfigValue> list() const;
  // A mapping whose keys must all be in `known`.
  ConfigMap map(std::initializer_list<std::string_view> known) const;
  // A mapping with keys of any name (apps, env).
  ConfigMap openMap() const;

 private:
  YAML::Node node_;
  std::string key_;
  SourcePos pos_;
};

// A mapping checked for unknown and duplicate keys.
class ConfigMap {
 public:
  struct Entry {
    std::string name;  // the key as written
    SourcePos namePos;
    ConfigValue value;
  };

  const std::vector<Entry>& entries() const { return entries_; }
  const ConfigValue* find(std::string_view name) const;
  // The value of `name`, or a failure "KEY.name: required key is missing"
  // at the mapping's position.
  const ConfigValue& require(std::string_view name) const;

 private:
  friend class ConfigValue;
  ConfigMap(std::string key, SourcePos pos) : key_(std::move(key)), pos_(pos) {}

  std::string key_;
  SourcePos pos_;
  std::vector<Entry> entries_;
};

// The key path of `name` under `parent` ("" for the top level).
std::string childKey(std::string_view parent, std::string_view name);

}  // namespace httpgate::gate::detail
