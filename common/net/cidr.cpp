#include "common/net/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "common/net/address.h"

namespace httpgate::net {
namespace {

// The bytes of `address` compared against an IPv4 (4 bytes) or IPv6 (16)
// block; an IPv4-mapped IPv6 address gives its IPv4 bytes. False for other
// families.
bool addressBytes(const sockaddr_storage& address, bool v6, const uint8_t*& bytes) {
  if (address.ss_family == AF_INET) {
    if (v6) {
      return false;
    }
    bytes = reinterpret_cast<const uint8_t*>(
        &reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr);
    return true;
  }
  if (address.ss_family != AF_INET6) {
    return false;
  }
  const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
  if (!v6) {
    if (!IN6_IS_ADDR_V4MAPPED(&a)) {
      return false;
    }
    bytes = a.s6_addr + 12;
    return true;
  }
  bytes = a.s6_addr;
  return true;
}

bool prefixMatches(const uint8_t* a, const uint8_t* b, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (std::memcmp(a, b, whole) != 0) {
    return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text, std::string& why) {
  const size_t slash = text.find('/');
  const std::string_view literal = text.substr(0, slash);
  const std::optional<sockaddr_storage> address = parseIpAddress(literal, 0);
  if (!address) {
    why = "not an IP address";
    return std::nullopt;
  }
  Cidr block;
  block.v6_ = address->ss_family == AF_INET6;
  const unsigned width = block.v6_ ? 128 : 32;
  block.prefix_ = width;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    unsigned prefix = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix > width || (digits.size() > 1 && digits[0] == '0')) {
      why = "the prefix length must be a number from 0 to " + std::to_string(width);
      return std::nullopt;
    }
    block.prefix_ = prefix;
  }
  const uint8_t* bytes = nullptr;
  addressBytes(*address, block.v6_, bytes);
  std::memcpy(block.bytes_.data(), bytes, block.v6_ ? 16 : 4);
  std::array<uint8_t, 16> masked{};
  for (unsigned i = 0; i < block.prefix_ / 8; ++i) {
    masked[i] = block.bytes_[i];
  }
  if (block.prefix_ % 8 != 0) {
    const unsigned at = block.prefix_ / 8;
    masked[at] = static_cast<uint8_t>(block.bytes_[at] & (0xff << (8 - block.prefix_ % 8)));
  }
  if (masked != block.bytes_) {
    why = "bits set after the prefix (the block starts at " + block.maskedText(masked) + ")";
    return std::nullopt;
  }
  return block;
}

bool Cidr::contains(const sockaddr_storage& address) const {
  const uint8_t* bytes = nullptr;
  return addressBytes(address, v6_, bytes) && prefixMatches(bytes, bytes_.data(), prefix_);
}

std::string Cidr::text() const {
  return maskedText(bytes_);
}

std::string Cidr::maskedText(const std::array<uint8_t, 16>& bytes) const {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes.data(), out, sizeof out);
  return std::string(out) + "/" + std::to_string(prefix_);
}

bool CidrSet::contains(const sockaddr_storage& address) const {
  for (const Cidr& block : blocks_) {
    if (block.contains(address)) {
      return true;
    }
  }
  return false;
}

}  // namespace httpgate::net
