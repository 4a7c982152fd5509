#include "gate/config/config_values.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <limits>

namespace httpgate::gate {
namespace {

TEST(ParseDuration, TakesEachUnit) {
  EXPECT_EQ(parseDuration("500ms").value(), Duration(500));
  EXPECT_EQ(parseDuration("20s").value(), Duration(20'000));
  EXPECT_EQ(parseDuration("7m").value(), Duration(420'000));
  EXPECT_EQ(parseDuration("1h").value(), Duration(3'600'000));
  EXPECT_EQ(parseDuration("30d").value(), Duration(2'592'000'000));
  EXPECT_EQ(parseDuration("0s").value(), Duration(0));  // zero is the caller's to refuse
  EXPECT_EQ(parseDuration("007s").value(), Duration(7'000));
}

TEST(ParseDuration, RefusesAnythingElseWithTheUnitsInTheMessage) {
  for (const char* text : {"", "s", "5", "5x", "5 s", " 5s", "5s ", "-5s", "+5s", "1.5s", "5S",
                           "5sec", "5ms5", "1h30m", "0x10s"}) {
    const auto parsed = parseDuration(text);
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error(),
              "invalid duration \"" + std::string(text) + "\" (use ms, s, m, h or d)")
        << text;
  }
}

TEST(ParseDuration, RefusesOverflow) {
  EXPECT_EQ(parseDuration("9999999999999999h").error(),
            "duration \"9999999999999999h\" is too large");
  EXPECT_FALSE(parseDuration("99999999999999999999ms").ok());  // more digits than fit
  EXPECT_TRUE(parseDuration("9223372036854775807ms").ok());
  EXPECT_FALSE(parseDuration("9223372036854776s").ok());
}

TEST(ParseSize, TakesBytesKibAndMib) {
  EXPECT_EQ(parseSize("0").value(), 0u);
  EXPECT_EQ(parseSize("16384").value(), 16384u);
  EXPECT_EQ(parseSize("16KiB").value(), 16384u);
  EXPECT_EQ(parseSize("1MiB").value(), 1048576u);
}

TEST(ParseSize, RefusesOtherUnits) {
  for (const char* text : {"", "KiB", "16KB", "16kib", "16 KiB", "16K", "1GiB", "16B", "-1"}) {
    const auto parsed = parseSize(text);
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error(), "invalid size \"" + std::string(text) + "\" (use bytes, KiB or MiB)");
  }
  EXPECT_EQ(parseSize("99999999999999999MiB").error(),
            "size \"99999999999999999MiB\" is too large");
}

TEST(ParseNumber, DigitsOnlyAndBounded) {
  EXPECT_EQ(parseNumber("0", 10), 0u);
  EXPECT_EQ(parseNumber("10", 10), 10u);
  EXPECT_FALSE(parseNumber("11", 10));
  EXPECT_FALSE(parseNumber("", 10));
  EXPECT_FALSE(parseNumber("+1", 10));
  EXPECT_FALSE(parseNumber("-1", 10));
  EXPECT_FALSE(parseNumber(" 1", 10));
  EXPECT_FALSE(parseNumber("0x1", 10));
  EXPECT_FALSE(parseNumber("99999999999999999999", std::numeric_limits<uint64_t>::max()));
}

TEST(ParsePortRange, TakesOnePortOrARange) {
  auto one = parsePortRange("8080");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().first, 8080);
  EXPECT_EQ(one.value().last, 8080);
  auto range = parsePortRange("1024-65535");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range.value().first, 1024);
  EXPECT_EQ(range.value().last, 65535);
  EXPECT_TRUE(parsePortRange("1-1").ok());
}

TEST(ParsePortRange, RefusesBadRanges) {
  EXPECT_EQ(parsePortRange("9-5").error(),
            "port range \"9-5\": the first port is greater than the last");
  EXPECT_EQ(parsePortRange("0").error(), "port range \"0\": ports are numbers from 1 to 65535");
  EXPECT_EQ(parsePortRange("1-65536").error(),
            "port range \"1-65536\": ports are numbers from 1 to 65535");
  for (const char* text : {"", "-", "1-", "-5", "a", "1-2-3", "1 - 2", "1024..2048", "80,81"}) {
    EXPECT_EQ(parsePortRange(text).error(),
              "invalid port range \"" + std::string(text) + "\" (use a port or \"first-last\")");
  }
}

TEST(SplitHostPort, ReadsTheForms) {
  auto v6 = splitHostPort("[::]:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.value().host, "::");
  EXPECT_EQ(v6.value().port, 443);
  EXPECT_TRUE(v6.value().bracketed);
  auto v4 = splitHostPort("0.0.0.0:0");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4.value().host, "0.0.0.0");
  EXPECT_EQ(v4.value().port, 0);
  EXPECT_FALSE(v4.value().bracketed);
  auto name = splitHostPort("localhost:65535");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name.value().host, "localhost");
  EXPECT_EQ(name.value().port, 65535);
}

TEST(SplitHostPort, RefusesBadForms) {
  for (const char* text : {"", "443", ":443", "host:", "host:65536", "host:-1", "host:http",
                           "[::1]", "[::1]443", "[]:80", "[::1:80", "host:80 "}) {
    EXPECT_EQ(splitHostPort(text).error(),
              "invalid address \"" + std::string(text) +
                  "\" (use HOST:PORT, e.g. \"[::]:443\" or \"127.0.0.1:8443\")")
        << text;
  }
  EXPECT_EQ(splitHostPort("::1:443").error(),
            "invalid address \"::1:443\" (write IPv6 addresses in brackets, e.g. \"[::1]:443\")");
}

uint16_t portOf(const SocketAddress& address) {
  if (address.storage.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_port);
}

TEST(ResolveAddress, ResolvesNumericAndNamedHosts) {
  auto any6 = resolveAddress("[::]:443");
  ASSERT_TRUE(any6.ok()) << any6.error();
  EXPECT_EQ(any6.value().storage.ss_family, AF_INET6);
  EXPECT_EQ(any6.value().length, sizeof(sockaddr_in6));
  EXPECT_EQ(portOf(any6.value()), 443);

  auto any4 = resolveAddress("0.0.0.0:443");
  ASSERT_TRUE(any4.ok()) << any4.error();
  EXPECT_EQ(any4.value().storage.ss_family, AF_INET);
  EXPECT_EQ(any4.value().length, sizeof(sockaddr_in));

  auto ephemeral = resolveAddress("127.0.0.1:0");
  ASSERT_TRUE(ephemeral.ok()) << ephemeral.error();
  EXPECT_EQ(portOf(ephemeral.value()), 0);
  const auto* in = reinterpret_cast<const sockaddr_in*>(ephemeral.value().get());
  EXPECT_EQ(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);

  auto named = resolveAddress("localhost:8443");
  ASSERT_TRUE(named.ok()) << named.error();
  EXPECT_EQ(portOf(named.value()), 8443);
}

TEST(ResolveAddress, BracketsAreForNumericIpv6Only) {
  const auto parsed = resolveAddress("[localhost]:80");
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().rfind("cannot resolve \"localhost\": ", 0), 0u) << parsed.error();
}

TEST(ResolveHost, TakesAddressesAndNamesWithoutPort) {
  for (const char* host : {"127.0.0.1", "::1", "[::1]", "localhost", "10.0.0.5"}) {
    const auto parsed = resolveHost(host);
    ASSERT_TRUE(parsed.ok()) << host << ": " << parsed.error();
    EXPECT_EQ(portOf(parsed.value()), 0);
  }
  EXPECT_EQ(resolveHost("[::1]").value().storage.ss_family, AF_INET6);
  EXPECT_EQ(resolveHost("").error(), "invalid host \"\"");
  EXPECT_EQ(resolveHost("a b").error(), "invalid host \"a b\"");
  EXPECT_EQ(resolveHost("127.0.0.1:80").error(),
            "invalid host \"127.0.0.1:80\" (a name or an address, without a port)");
}

TEST(SameBindAddress, ComparesFamilyAddressAndPortButNeverPortZero) {
  const auto a = resolveAddress("127.0.0.1:443").value();
  const auto b = resolveAddress("127.0.0.1:443").value();
  const auto otherPort = resolveAddress("127.0.0.1:444").value();
  const auto otherHost = resolveAddress("127.0.0.2:443").value();
  const auto v6 = resolveAddress("[::1]:443").value();
  const auto zero = resolveAddress("127.0.0.1:0").value();
  EXPECT_TRUE(sameBindAddress(a, b));
  EXPECT_FALSE(sameBindAddress(a, otherPort));
  EXPECT_FALSE(sameBindAddress(a, otherHost));
  EXPECT_FALSE(sameBindAddress(a, v6));
  EXPECT_FALSE(sameBindAddress(zero, zero));
  EXPECT_TRUE(sameBindAddress(v6, resolveAddress("[::1]:443").value()));
}

}  // namespace
}  // namespace httpgate::gate
