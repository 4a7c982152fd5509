// Whole-file reads and writes for configs, pages and logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace httpgate::test {

// The content of `path`, or nullopt when it cannot be read.
std::optional<std::string> readFile(const std::string& path);

// Writes `content` to `path` (created or truncated); throws on failure.
void writeFile(const std::string& path, std::string_view content);

// Writes `content` to a sibling temporary file and rename()s it over `path`,
// so a reader (the gate re-reading its config on SIGHUP) never sees half a file.
void replaceFile(const std::string& path, std::string_view content);

}  // namespace httpgate::test
