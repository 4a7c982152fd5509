#include "tests/support/files.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace httpgate::test {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void writeFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
}

void replaceFile(const std::string& path, std::string_view content) {
  const std::string temporary = path + ".new";
  writeFile(temporary, content);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + temporary + " to " + path);
  }
}

}  // namespace httpgate::test
