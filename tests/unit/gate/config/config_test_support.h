// Helpers for the configuration tests: a scratch directory with certificate
// stand-ins, and shorthands for "this YAML loads" / "this YAML fails with".
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "gate/config/config.h"

namespace httpgate::gate::testing {

// A mkdtemp directory, removed with its files at the end of the test.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to `name` in the directory; returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// The config parsed from `yaml` (named "test.yaml"); fails the test with the
// error text if it does not load.
Config loads(const std::string& yaml);

// The error text for `yaml` (named "test.yaml"); fails the test if it loads.
std::string fails(const std::string& yaml);

// "listen:\n  - address: \"127.0.0.1:0\"\n" followed by `rest`.
std::string withListener(const std::string& rest);

}  // namespace httpgate::gate::testing
