// Reading the files a configuration names (names file, void page, the
// configuration itself) whole, the same way everywhere: regular files only,
// bounded, EINTR retried.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace httpgate::gate {

// Reads the regular file at `path` into `text`. Returns 0, an errno value
// (EISDIR or EINVAL for something that is not a regular file), or EFBIG when
// the file holds more than `maxBytes`.
int readRegularFile(const std::string& path, std::string& text, size_t maxBytes = SIZE_MAX);

}  // namespace httpgate::gate
