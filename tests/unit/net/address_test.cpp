// Socket addresses as text, their ports, the loopback check and IP literals
// (common/net/address.h).
#include "common/net/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstring>
#include <string>

namespace httpgate::net {
namespace {

sockaddr_storage ip(const char* text, uint16_t port = 0) {
  std::optional<sockaddr_storage> parsed = parseIpAddress(text, port);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(sockaddr_storage{});
}

sockaddr_storage unixSocket() {
  sockaddr_storage address{};
  reinterpret_cast<sockaddr_un&>(address).sun_family = AF_UNIX;
  std::strcpy(reinterpret_cast<sockaddr_un&>(address).sun_path, "/run/x");
  return address;
}

TEST(AddressTest, TextOfIpv4AndIpv6) {
  EXPECT_EQ(addressText(ip("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(addressText(ip("2001:db8::7")), "2001:db8::7");
  EXPECT_EQ(addressText(ip("::1")), "::1");
  EXPECT_EQ(addressText(ip("[::]")), "::");
}

TEST(AddressTest, Ipv4MappedIpv6IsShownAsIpv4) {
  const sockaddr_storage mapped = ip("::ffff:203.0.113.9");
  ASSERT_EQ(mapped.ss_family, AF_INET6);
  EXPECT_EQ(addressText(mapped), "203.0.113.9");
  char text[kAddressTextSize];
  formatAddress(mapped, text, sizeof text);
  EXPECT_STREQ(text, "203.0.113.9");
}

TEST(AddressTest, FormatAddressFitsTheLongestIpv6) {
  char text[kAddressTextSize];
  formatAddress(ip("ffff:ffff:ffff:ffff:ffff:fffe:ffff:ffff"), text, sizeof text);
  EXPECT_STREQ(text, "ffff:ffff:ffff:ffff:ffff:fffe:ffff:ffff");
}

TEST(AddressTest, FormatAddressLeavesEmptyTextWhenItCannot) {
  char small[8];
  std::memset(small, 'x', sizeof small);
  formatAddress(ip("192.0.2.123"), small, sizeof small);
  EXPECT_STREQ(small, "");
  char text[kAddressTextSize] = "stale";
  formatAddress(unixSocket(), text, sizeof text);
  EXPECT_STREQ(text, "");
  EXPECT_EQ(addressText(sockaddr_storage{}), "");
  formatAddress(ip("192.0.2.1"), text, 0);  // writes nothing at all
  EXPECT_STREQ(text, "");
}

TEST(AddressTest, EndpointTextBracketsIpv6Only) {
  EXPECT_EQ(endpointText(ip("127.0.0.1", 8080)), "127.0.0.1:8080");
  EXPECT_EQ(endpointText(ip("::1", 443)), "[::1]:443");
  EXPECT_EQ(endpointText(ip("::", 0)), "[::]:0");
  EXPECT_EQ(endpointText(ip("::ffff:127.0.0.1", 80)), "127.0.0.1:80");
}

TEST(AddressTest, PortIsReadAndSetInHostOrder) {
  sockaddr_storage v4 = ip("10.0.0.1", 40001);
  sockaddr_storage v6 = ip("::1", 65535);
  EXPECT_EQ(portOf(v4), 40001);
  EXPECT_EQ(portOf(v6), 65535);
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in&>(v4).sin_port), 40001);
  setPort(v4, 8080);
  setPort(v6, 1);
  EXPECT_EQ(portOf(v4), 8080);
  EXPECT_EQ(portOf(v6), 1);
  EXPECT_EQ(addressText(v4), "10.0.0.1");  // the address is left alone
  sockaddr_storage other = unixSocket();
  setPort(other, 80);
  EXPECT_EQ(portOf(other), 0);
  EXPECT_STREQ(reinterpret_cast<sockaddr_un&>(other).sun_path, "/run/x");
}

TEST(AddressTest, SameHostComparesAddressesNotPorts) {
  EXPECT_TRUE(sameHost(ip("127.0.0.1", 1), ip("127.0.0.1", 2)));
  EXPECT_FALSE(sameHost(ip("127.0.0.1"), ip("127.0.0.2")));
  EXPECT_TRUE(sameHost(ip("::1", 1), ip("[::1]", 2)));
  EXPECT_FALSE(sameHost(ip("::1"), ip("::2")));
  // Different families never match, also for the same IPv4 address mapped.
  EXPECT_FALSE(sameHost(ip("127.0.0.1"), ip("::ffff:127.0.0.1")));
  sockaddr_storage scoped = ip("fe80::1");
  reinterpret_cast<sockaddr_in6&>(scoped).sin6_scope_id = 2;
  EXPECT_FALSE(sameHost(ip("fe80::1"), scoped));
  EXPECT_FALSE(sameHost(unixSocket(), unixSocket()));
}

TEST(AddressTest, LoopbackAddresses) {
  EXPECT_TRUE(isLoopback(ip("127.0.0.1")));
  EXPECT_TRUE(isLoopback(ip("127.255.0.1")));
  EXPECT_TRUE(isLoopback(ip("::1")));
  EXPECT_TRUE(isLoopback(ip("::ffff:127.0.0.2")));
  EXPECT_FALSE(isLoopback(ip("128.0.0.1")));
  EXPECT_FALSE(isLoopback(ip("126.255.255.255")));
  EXPECT_FALSE(isLoopback(ip("0.0.0.0")));
  EXPECT_FALSE(isLoopback(ip("::")));
  EXPECT_FALSE(isLoopback(ip("::2")));
  EXPECT_FALSE(isLoopback(ip("::ffff:10.0.0.1")));
  EXPECT_FALSE(isLoopback(ip("::127.0.0.1")));  // IPv4-compatible, not mapped
  EXPECT_FALSE(isLoopback(unixSocket()));
  EXPECT_FALSE(isLoopback(sockaddr_storage{}));
}

TEST(AddressTest, ParsesIpLiteralsOnly) {
  const sockaddr_storage v4 = ip("192.0.2.1", 80);
  EXPECT_EQ(v4.ss_family, AF_INET);
  EXPECT_EQ(portOf(v4), 80);
  const sockaddr_storage v6 = ip("[2001:db8::1]", 443);
  EXPECT_EQ(v6.ss_family, AF_INET6);
  EXPECT_EQ(portOf(v6), 443);
  EXPECT_EQ(addressText(v6), "2001:db8::1");
  EXPECT_EQ(ip("[127.0.0.1]").ss_family, AF_INET);  // brackets are only taken off
  for (const char* text : {"", "[]", "localhost", "127.0.0.1:80", "[::1]:80", "::1]", "[::1",
                           "256.0.0.1", "1.2.3", " 127.0.0.1", "fe80::1%eth0", "::g"}) {
    EXPECT_FALSE(parseIpAddress(text, 0).has_value()) << text;
  }
  EXPECT_FALSE(parseIpAddress(std::string_view("127.0.0.1\0x", 11), 0).has_value());
}

}  // namespace
}  // namespace httpgate::net
