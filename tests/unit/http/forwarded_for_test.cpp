// The client behind trusted proxies: X-Forwarded-For read from the right
// past the trusted addresses.
#include "common/http/forwarded_for.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/net/address.h"

namespace httpgate::http {
namespace {

net::CidrSet trusted(std::initializer_list<const char*> blocks) {
  net::CidrSet set;
  for (const char* text : blocks) {
    std::string why;
    set.add(*net::Cidr::parse(text, why));
  }
  return set;
}

// The address clientFromForwardedFor finds in `values` (one field each), or
// "none".
std::string clientOf(std::vector<std::string_view> values, const net::CidrSet& set,
                     std::string_view otherName = "") {
  std::vector<HeaderField> headers;
  headers.push_back({"Host", "example.org"});
  for (std::string_view value : values) {
    headers.push_back({"X-Forwarded-For", value});
    if (!otherName.empty()) {
      headers.push_back({otherName, "198.51.100.99"});
    }
  }
  const auto client = clientFromForwardedFor(headers, set);
  return client ? net::addressText(*client) : "none";
}

TEST(ForwardedFor, RightMostUntrustedAddressIsTheClient) {
  const net::CidrSet set = trusted({"10.0.0.0/8"});
  EXPECT_EQ(clientOf({"203.0.113.7"}, set), "203.0.113.7");
  // The client forged the left part; the trusted hops appended the rest.
  EXPECT_EQ(clientOf({"6.6.6.6, 203.0.113.7, 10.0.0.2, 10.0.0.3"}, set), "203.0.113.7");
  EXPECT_EQ(clientOf({"6.6.6.6,203.0.113.7,10.1.1.1"}, set), "203.0.113.7");
}

TEST(ForwardedFor, SeveralFieldsAreOneList) {
  const net::CidrSet set = trusted({"10.0.0.0/8"});
  EXPECT_EQ(clientOf({"6.6.6.6", "203.0.113.7, 10.0.0.2", "10.0.0.3"}, set), "203.0.113.7");
  // Other fields between them do not count.
  EXPECT_EQ(clientOf({"6.6.6.6", "10.0.0.3"}, set, "X-Real-IP"), "6.6.6.6");
  EXPECT_EQ(clientOf({"6.6.6.6", "10.0.0.3"}, set, "x-forwarded-FOR-not"), "6.6.6.6");
}

TEST(ForwardedFor, AllTrustedGivesTheLeftMost) {
  EXPECT_EQ(clientOf({"10.0.0.1, 10.0.0.2"}, trusted({"10.0.0.0/8"})), "10.0.0.1");
}

TEST(ForwardedFor, GarbageEndsTheWalk) {
  const net::CidrSet set = trusted({"10.0.0.0/8"});
  EXPECT_EQ(clientOf({"203.0.113.7, unknown, 10.0.0.2"}, set), "10.0.0.2");
  EXPECT_EQ(clientOf({"203.0.113.7:4444"}, set), "none");
  EXPECT_EQ(clientOf({"unknown"}, set), "none");
  EXPECT_EQ(clientOf({" , ,203.0.113.7 , "}, set), "203.0.113.7");
}

TEST(ForwardedFor, Ipv6AndMappedAddresses) {
  const net::CidrSet set = trusted({"2001:db8::/32", "10.0.0.0/8"});
  EXPECT_EQ(clientOf({"2001:db9::7, 2001:db8::1"}, set), "2001:db9::7");
  EXPECT_EQ(clientOf({"[2001:db9::8], ::ffff:10.0.0.5"}, set), "2001:db9::8");
}

TEST(ForwardedFor, NoFieldGivesNothing) {
  EXPECT_EQ(clientOf({}, trusted({"10.0.0.0/8"})), "none");
}

}  // namespace
}  // namespace httpgate::http
