#include "config_test_support.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace httpgate::gate::testing {

ScratchDir::ScratchDir() {
  std::string pattern = ::testing::TempDir() + "httpgate-config-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr) << "mkdtemp failed";
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary);
  out << content;
  return file;
}

Config loads(const std::string& yaml) {
  auto result = parseConfig(yaml, "test.yaml");
  if (!result.ok()) {
    ADD_FAILURE() << "expected the configuration to load, got: " << result.error().message;
    return Config{};
  }
  return std::move(result).value();
}

std::string fails(const std::string& yaml) {
  auto result = parseConfig(yaml, "test.yaml");
  if (!result.ok()) {
    return result.error().message;
  }
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return "";
}

std::string withListener(const std::string& rest) {
  return "listen:\n  - address: \"127.0.0.1:0\"\n" + rest;
}

}  // namespace httpgate::gate::testing
