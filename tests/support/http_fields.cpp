#include "tests/support/http_fields.h"

#include <cctype>
#include <cstdlib>

namespace httpgate::test {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

constexpr size_t kMaxChunkLine = 4096;

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> findField(const Fields& fields, std::string_view name) {
  for (const auto& [fieldName, value] : fields) {
    if (equalsIgnoreCase(fieldName, name)) {
      return value;
    }
  }
  return std::nullopt;
}

size_t countField(const Fields& fields, std::string_view name) {
  size_t count = 0;
  for (const auto& field : fields) {
    count += equalsIgnoreCase(field.first, name) ? 1 : 0;
  }
  return count;
}

bool fieldHasToken(const Fields& fields, std::string_view name, std::string_view token) {
  for (const auto& [fieldName, value] : fields) {
    if (!equalsIgnoreCase(fieldName, name)) {
      continue;
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (equalsIgnoreCase(trim(rest.substr(0, comma)), token)) {
        return true;
      }
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return false;
}

bool parseFields(std::string_view head, Fields& fields, std::string& error) {
  size_t start = head.find("\r\n");
  if (start == std::string_view::npos) {
    error = "no line end after the first line";
    return false;
  }
  start += 2;
  while (start < head.size()) {
    const size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos || end == start) {
      break;  // the empty line that ends the head
    }
    const std::string_view line = head.substr(start, end - start);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "bad field line: " + std::string(line);
      return false;
    }
    fields.emplace_back(std::string(line.substr(0, colon)),
                        std::string(trim(line.substr(colon + 1))));
    start = end + 2;
  }
  return true;
}

IoStatus readChunkedBody(BufferedReader& in, std::string& raw, std::string& decoded,
                         const Deadline& deadline, std::string& error) {
  while (true) {
    std::string line;
    if (const IoStatus status = in.readThrough("\r\n", line, kMaxChunkLine, deadline);
        status != IoStatus::Ok) {
      error = "chunk size line: " + std::string(toString(status));
      return status;
    }
    raw += line;
    char* end = nullptr;
    const unsigned long long size = std::strtoull(line.c_str(), &end, 16);
    if (end == line.c_str()) {
      error = "bad chunk size line";
      return IoStatus::Error;
    }
    if (size == 0) {
      break;
    }
    std::string data;
    if (const IoStatus status = in.readExactly(size + 2, data, deadline); status != IoStatus::Ok) {
      raw += data;
      error = "chunk data: " + std::string(toString(status));
      return status;
    }
    raw += data;
    decoded.append(data, 0, size);
  }
  // Trailer fields, then the empty line.
  while (true) {
    std::string line;
    if (const IoStatus status = in.readThrough("\r\n", line, kMaxChunkLine, deadline);
        status != IoStatus::Ok) {
      error = "chunked trailer: " + std::string(toString(status));
      return status;
    }
    raw += line;
    if (line == "\r\n") {
      return IoStatus::Ok;
    }
  }
}

}  // namespace httpgate::test
