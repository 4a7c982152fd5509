// Address blocks: parsing with its errors, membership for IPv4, IPv6 and
// IPv4-mapped IPv6 peers, and sets (common/net/cidr.h).
#include "common/net/cidr.h"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstring>

#include "common/net/address.h"

namespace httpgate::net {
namespace {

sockaddr_storage ip(const char* text) {
  std::optional<sockaddr_storage> parsed = parseIpAddress(text, 443);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(sockaddr_storage{});
}

Cidr block(const char* text) {
  std::string why;
  std::optional<Cidr> parsed = Cidr::parse(text, why);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << why;
  return parsed.value_or(Cidr());
}

std::string refusal(const char* text) {
  std::string why;
  EXPECT_FALSE(Cidr::parse(text, why).has_value()) << text;
  return why;
}

TEST(CidrTest, Ipv4Blocks) {
  const Cidr ten = block("10.0.0.0/8");
  EXPECT_TRUE(ten.contains(ip("10.0.0.1")));
  EXPECT_TRUE(ten.contains(ip("10.255.255.255")));
  EXPECT_FALSE(ten.contains(ip("11.0.0.0")));
  EXPECT_FALSE(ten.contains(ip("9.255.255.255")));
  const Cidr odd = block("192.168.4.0/22");
  EXPECT_TRUE(odd.contains(ip("192.168.7.200")));
  EXPECT_FALSE(odd.contains(ip("192.168.8.0")));
  EXPECT_FALSE(odd.contains(ip("192.168.3.255")));
  EXPECT_EQ(odd.text(), "192.168.4.0/22");
}

TEST(CidrTest, OneAddressIsAFullPrefix) {
  const Cidr one = block("192.0.2.7");
  EXPECT_EQ(one.text(), "192.0.2.7/32");
  EXPECT_TRUE(one.contains(ip("192.0.2.7")));
  EXPECT_FALSE(one.contains(ip("192.0.2.6")));
  EXPECT_EQ(block("::1").text(), "::1/128");
  EXPECT_EQ(block("[::1]").text(), "::1/128");
}

TEST(CidrTest, Ipv6Blocks) {
  const Cidr doc = block("2001:db8::/32");
  EXPECT_TRUE(doc.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(doc.contains(ip("2001:db9::1")));
  const Cidr half = block("fd00::/9");
  EXPECT_TRUE(half.contains(ip("fd7f::1")));
  EXPECT_FALSE(half.contains(ip("fd80::1")));
  // An IPv6 block never matches an IPv4 peer, nor an IPv4 block an IPv6 one.
  EXPECT_FALSE(block("::/0").contains(ip("10.0.0.1")));
  EXPECT_FALSE(block("0.0.0.0/0").contains(ip("2001:db8::1")));
}

TEST(CidrTest, MappedIpv4PeersMatchIpv4Blocks) {
  EXPECT_TRUE(block("127.0.0.0/8").contains(ip("::ffff:127.0.0.9")));
  EXPECT_FALSE(block("127.0.0.0/8").contains(ip("::ffff:128.0.0.1")));
  EXPECT_TRUE(block("0.0.0.0/0").contains(ip("::ffff:8.8.8.8")));
}

TEST(CidrTest, ZeroPrefixContainsTheWholeFamily) {
  EXPECT_TRUE(block("0.0.0.0/0").contains(ip("255.255.255.255")));
  EXPECT_TRUE(block("::/0").contains(ip("ffff::1")));
}

TEST(CidrTest, OtherFamiliesAreNeverContained) {
  sockaddr_storage local{};
  reinterpret_cast<sockaddr_un&>(local).sun_family = AF_UNIX;
  std::strcpy(reinterpret_cast<sockaddr_un&>(local).sun_path, "/run/x");
  EXPECT_FALSE(block("0.0.0.0/0").contains(local));
  EXPECT_FALSE(block("::/0").contains(local));
}

TEST(CidrTest, RefusalsSayWhy) {
  EXPECT_EQ(refusal("10.0.0.1/8"), "bits set after the prefix (the block starts at 10.0.0.0/8)");
  EXPECT_EQ(refusal("2001:db8::1/32"),
            "bits set after the prefix (the block starts at 2001:db8::/32)");
  EXPECT_EQ(refusal("10.0.0.0/33"), "the prefix length must be a number from 0 to 32");
  EXPECT_EQ(refusal("::/129"), "the prefix length must be a number from 0 to 128");
  EXPECT_EQ(refusal("10.0.0.0/"), "the prefix length must be a number from 0 to 32");
  EXPECT_EQ(refusal("10.0.0.0/08"), "the prefix length must be a number from 0 to 32");
  EXPECT_EQ(refusal("10.0.0.0/-1"), "the prefix length must be a number from 0 to 32");
  EXPECT_EQ(refusal("10.0.0.0/8x"), "the prefix length must be a number from 0 to 32");
  EXPECT_EQ(refusal("example.org/8"), "not an IP address");
  EXPECT_EQ(refusal(""), "not an IP address");
  EXPECT_EQ(refusal("10.0.0/8"), "not an IP address");
}

TEST(CidrTest, SetsContainWhatAnyBlockContains) {
  CidrSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.contains(ip("10.0.0.1")));
  set.add(block("10.0.0.0/8"));
  set.add(block("2001:db8::/32"));
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.contains(ip("10.1.2.3")));
  EXPECT_TRUE(set.contains(ip("2001:db8::5")));
  EXPECT_FALSE(set.contains(ip("192.0.2.1")));
  EXPECT_EQ(set.blocks().size(), 2U);
}

}  // namespace
}  // namespace httpgate::net
