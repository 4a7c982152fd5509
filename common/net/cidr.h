// Address blocks as the configuration names them ("10.0.0.0/8",
// "2001:db8::/32", or one address: "192.0.2.7" is 192.0.2.7/32), and the
// test whether a peer's address lies in one: the sources allowed to send a
// PROXY header (listen[].proxy_from), the trusted HTTP proxies
// (headers.trusted_proxies), the clients exempt from per-client limits.
// An IPv4-mapped IPv6 address (a dual-stack listener's view of an IPv4
// peer) matches the IPv4 blocks it belongs to, as it is the same client.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace httpgate::net {

class Cidr {
 public:
  // "A/N" or "A" (A an IPv4 or IPv6 literal, IPv6 in brackets or not; N
  // from 0 to 32 or 128). Bits past the prefix must be zero, as
  // "10.0.0.1/8" is most likely a typing error; `why` says what is wrong.
  static std::optional<Cidr> parse(std::string_view text, std::string& why);

  bool contains(const sockaddr_storage& address) const;
  // As written back: "10.0.0.0/8", "2001:db8::/32".
  std::string text() const;

 private:
  std::string maskedText(const std::array<uint8_t, 16>& bytes) const;

  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};  // the first 4 for IPv4
  unsigned prefix_ = 0;
};

// Several blocks; an empty set contains nothing.
class CidrSet {
 public:
  void add(const Cidr& block) { blocks_.push_back(block); }
  bool empty() const { return blocks_.empty(); }
  bool contains(const sockaddr_storage& address) const;
  const std::vector<Cidr>& blocks() const { return blocks_; }

 private:
  std::vector<Cidr> blocks_;
};

}  // namespace httpgate::net
