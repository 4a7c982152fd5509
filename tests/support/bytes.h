// Payload helpers: deterministic test bytes and their SHA-256, so large
// bodies are compared by checksum instead of printed on failure.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace httpgate::test {

// `size` pseudo-random bytes (every byte value occurs, CR, LF and NUL
// included), the same for the same `seed`.
std::string patternBytes(size_t size, uint32_t seed);

// Lower-case hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

// The same, of bytes given piece by piece (bodies too large to keep).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void add(const void* data, size_t size);
  // The digest of everything added; the stream is spent afterwards.
  std::string hex();

 private:
  EVP_MD_CTX* ctx_;
};

// `data` with CR, LF, NUL and other control bytes escaped, for messages.
std::string printable(std::string_view data, size_t maxBytes = 2000);

}  // namespace httpgate::test
