#include "tests/support/backend_reply.h"

#include <cstdio>

namespace httpgate::test {
namespace {

std::string hex(size_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", value);
  return text;
}

}  // namespace

std::string BackendReply::serialize() const {
  if (!raw.empty()) {
    return raw;
  }
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  for (const auto& [name, value] : fields) {
    out += name + ": " + value + "\r\n";
  }
  if (framing == Framing::ContentLength) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  } else if (framing == Framing::Chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if (close || framing == Framing::UntilClose) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  if (framing == Framing::Chunked) {
    const size_t step = chunkSize == 0 ? 1 : chunkSize;
    for (size_t at = 0; at < body.size(); at += step) {
      const std::string_view chunk = std::string_view(body).substr(at, step);
      out += hex(chunk.size()) + "\r\n";
      out.append(chunk);
      out += "\r\n";
    }
    out += "0\r\n\r\n";
  } else if (framing != Framing::NoFraming) {
    out += body;
  }
  return out;
}

}  // namespace httpgate::test
