// The PROXY protocol header, versions 1 and 2 (common/net/proxy_protocol.h):
// every valid form, every split of the input, every malformed form refused
// on the byte that shows it, the size limits, and the bytes after the header
// (the TLS ClientHello) left alone.
#include "common/net/proxy_protocol.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/net/address.h"

namespace httpgate::net {
namespace {

using namespace std::string_literals;

// The start of a TLS ClientHello: what follows the header on a TLS listener.
const std::string kClientHello("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03\x7a", 12);
const std::string kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

struct Outcome {
  ProxyStatus status = ProxyStatus::NeedMore;
  size_t consumed = 0;
  std::string reason;
  ProxyHeader header;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  const char* status[] = {"NeedMore", "Done", "Error"};
  return os << "{" << status[static_cast<int>(o.status)] << " consumed=" << o.consumed
            << " reason=\"" << o.reason << "\" family=" << static_cast<int>(o.header.family())
            << " source=" << proxyAddressText(o.header.source) << ":" << o.header.source.port
            << "}";
}

Outcome parse(std::string_view in) {
  const ProxyParse p = parseProxyHeader(in);
  if (p.status == ProxyStatus::Error) {
    EXPECT_STRNE(p.reason, "");
  }
  return Outcome{p.status, p.consumed, p.reason, p.header};
}

Outcome errorOf(const char* reason) {
  return Outcome{ProxyStatus::Error, 0, reason, {}};
}

// As the gate receives a header: the input arrives in pieces cut at `cuts`
// (ascending offsets), and after each piece every byte so far is parsed,
// until Done or Error.
Outcome receive(std::string_view in, const std::vector<size_t>& cuts) {
  size_t start = 0;
  Outcome last;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : in.size();
    if (end == start && i < cuts.size()) {
      continue;  // an empty piece: nothing new to parse
    }
    last = parse(in.substr(0, end));
    if (last.status != ProxyStatus::NeedMore) {
      return last;
    }
    start = end;
  }
  return last;
}

// The fewest leading bytes of `in` that decide the outcome (in.size() + 1
// when even all of them do not).
size_t decidedAt(std::string_view in) {
  for (size_t n = 0; n <= in.size(); ++n) {
    if (parse(in.substr(0, n)).status != ProxyStatus::NeedMore) {
      return n;
    }
  }
  return in.size() + 1;
}

// The outcome must not depend on how the input is cut: one byte at a time,
// every cut in two, and every prefix either still NeedMore or already the
// outcome of the whole input.
void expectSplitInvariant(std::string_view in) {
  const Outcome whole = parse(in);
  std::vector<size_t> bytes;
  for (size_t i = 1; i < in.size(); ++i) {
    bytes.push_back(i);
  }
  EXPECT_EQ(receive(in, bytes), whole) << "byte by byte";
  for (size_t i = 0; i <= in.size(); ++i) {
    ASSERT_EQ(receive(in, {i}), whole) << "cut at " << i;
    const Outcome prefix = parse(in.substr(0, i));
    if (prefix.status != ProxyStatus::NeedMore) {
      ASSERT_EQ(prefix, whole) << "prefix of " << i;
    }
  }
}

// A header that is Done: it takes exactly its own bytes and decides on its
// last one, whatever follows it.
Outcome expectHeader(const std::string& header) {
  const Outcome alone = parse(header);
  EXPECT_EQ(alone.status, ProxyStatus::Done) << alone;
  EXPECT_EQ(alone.consumed, header.size());
  EXPECT_EQ(decidedAt(header), header.size()) << "waited for more than the header";
  EXPECT_EQ(parse(header + kClientHello), alone) << "looked past the header";
  EXPECT_EQ(parse(header + "GET / HTTP/1.1\r\n"), alone);
  expectSplitInvariant(header + kClientHello);
  return alone;
}

// A malformed header: refused with `reason` on its last byte, not before,
// and the same whatever follows.
void expectRefused(const std::string& in, const char* reason) {
  SCOPED_TRACE(testing::PrintToString(in));
  EXPECT_EQ(parse(in), errorOf(reason));
  EXPECT_EQ(decidedAt(in), in.size()) << "not refused on the byte that shows it";
  EXPECT_EQ(parse(in + "\r\n" + kClientHello), errorOf(reason));
  expectSplitInvariant(in + "\r\n");
}

std::string text(const ProxyAddress& a) {
  return proxyAddressText(a);
}

// --- version 2 builders ---

std::string be16(size_t n) {
  return {static_cast<char>(n >> 8 & 0xff), static_cast<char>(n & 0xff)};
}

// A version 2 header with `block` and the length it announces.
std::string v2(uint8_t versionCommand, uint8_t family, std::string_view block, size_t length) {
  std::string h = kSignature;
  h += static_cast<char>(versionCommand);
  h += static_cast<char>(family);
  h += be16(length);
  h += block;
  return h;
}

std::string v2(uint8_t versionCommand, uint8_t family, std::string_view block) {
  return v2(versionCommand, family, block, block.size());
}

std::string tlv(uint8_t type, std::string_view value) {
  return static_cast<char>(type) + be16(value.size()) + std::string(value);
}

// 192.0.2.1:56324 -> 198.51.100.7:443
const std::string kInet4Block("\xc0\x00\x02\x01\xc6\x33\x64\x07\xdc\x04\x01\xbb", 12);

// 2001:db8::1:56324 -> 2001:db8::2:8443
std::string inet6Block() {
  std::string b("\x20\x01\x0d\xb8", 4);
  b += std::string(11, '\0') + "\x01";
  b += std::string("\x20\x01\x0d\xb8", 4);
  b += std::string(11, '\0') + "\x02";
  b += std::string("\xdc\x04\x20\xfb", 4);
  return b;
}

// ================= version 1 =================

TEST(ProxyProtocolV1Test, Tcp4) {
  const Outcome o = expectHeader("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
  EXPECT_EQ(o.header.version, 1);
  EXPECT_EQ(o.header.command, ProxyCommand::Proxy);
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp4);
  EXPECT_EQ(o.header.destination.family, ProxyFamily::Tcp4);
  EXPECT_EQ(text(o.header.source), "192.0.2.1");
  EXPECT_EQ(text(o.header.destination), "198.51.100.7");
  EXPECT_EQ(o.header.source.port, 56324);
  EXPECT_EQ(o.header.destination.port, 443);
  const std::array<uint8_t, 16> source = {192, 0, 2, 1};
  EXPECT_EQ(o.header.source.bytes, source);
  EXPECT_EQ(o.header.v2Family, 0);
}

TEST(ProxyProtocolV1Test, Tcp4Extremes) {
  // The specification's longest TCP4 line: 56 bytes.
  const std::string longest = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
  ASSERT_EQ(longest.size(), 56u);
  Outcome o = expectHeader(longest);
  EXPECT_EQ(text(o.header.source), "255.255.255.255");
  EXPECT_EQ(o.header.source.port, 65535);
  EXPECT_EQ(o.header.destination.port, 65535);
  o = expectHeader("PROXY TCP4 0.0.0.0 10.0.0.10 0 0\r\n");
  EXPECT_EQ(text(o.header.source), "0.0.0.0");
  EXPECT_EQ(text(o.header.destination), "10.0.0.10");
  EXPECT_EQ(o.header.source.port, 0);
  o = expectHeader("PROXY TCP4 100.20.3.199 1.1.1.1 10 100\r\n");
  EXPECT_EQ(text(o.header.source), "100.20.3.199");
  EXPECT_EQ(o.header.source.port, 10);
  EXPECT_EQ(o.header.destination.port, 100);
}

TEST(ProxyProtocolV1Test, Tcp6) {
  Outcome o = expectHeader("PROXY TCP6 2001:db8::1 2001:DB8:0:0:1:0:0:2 56324 8443\r\n");
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp6);
  EXPECT_EQ(text(o.header.source), "2001:db8::1");
  EXPECT_EQ(text(o.header.destination), "2001:db8::1:0:0:2");  // RFC 5952
  EXPECT_EQ(o.header.source.port, 56324);
  EXPECT_EQ(o.header.destination.port, 8443);
  const std::array<uint8_t, 16> source = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0, 0, 0, 1};
  EXPECT_EQ(o.header.source.bytes, source);

  // The specification's longest TCP6 line: 104 bytes.
  const std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string longest = "PROXY TCP6 " + full + " " + full + " 65535 65535\r\n";
  ASSERT_EQ(longest.size(), 104u);
  o = expectHeader(longest);
  EXPECT_EQ(text(o.header.destination), full);

  o = expectHeader("PROXY TCP6 :: ::1 1 2\r\n");
  EXPECT_EQ(text(o.header.source), "::");
  EXPECT_EQ(text(o.header.destination), "::1");
}

// What HAProxy sends for an IPv4 client of a dual-stack socket; the gate
// shows it as the IPv4 address, as it does its own accepted sockets.
TEST(ProxyProtocolV1Test, Tcp6Ipv4Mapped) {
  const Outcome o = expectHeader("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:c633:6407 1 2\r\n");
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp6);
  EXPECT_EQ(text(o.header.source), "192.0.2.1");
  EXPECT_EQ(text(o.header.destination), "198.51.100.7");
  EXPECT_EQ(o.header.source.bytes[10], 0xff);
  EXPECT_EQ(o.header.source.bytes[12], 192);
}

// UNKNOWN: the rest of the line is ignored and the real peer address stands.
TEST(ProxyProtocolV1Test, UnknownUsesPeerAddress) {
  Outcome o = expectHeader("PROXY UNKNOWN\r\n");
  EXPECT_EQ(o.consumed, 15u);
  EXPECT_EQ(o.header.version, 1);
  EXPECT_EQ(o.header.command, ProxyCommand::Proxy);
  EXPECT_EQ(o.header.family(), ProxyFamily::Unspec);
  EXPECT_EQ(o.header.source, ProxyAddress{});
  EXPECT_EQ(o.header.destination, ProxyAddress{});
  EXPECT_EQ(text(o.header.source), "");

  o = expectHeader("PROXY UNKNOWN 192.0.2.1 198.51.100.7 56324 443\r\n");
  EXPECT_EQ(o.header.family(), ProxyFamily::Unspec);
  EXPECT_EQ(o.header.source, ProxyAddress{});
  expectHeader("PROXY UNKNOWN anything at all, even\ttabs and \x01 bytes\r\n");
  expectHeader("PROXY UNKNOWN \r\n");
}

// The specification's worst case is exactly the limit.
TEST(ProxyProtocolV1Test, LongestLineIs107Bytes) {
  const std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string worst = "PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n";
  ASSERT_EQ(worst.size(), kMaxProxyV1Line);
  EXPECT_EQ(expectHeader(worst).consumed, 107u);
  const std::string filler = "PROXY UNKNOWN " + std::string(107 - 16, 'x') + "\r\n";
  ASSERT_EQ(filler.size(), 107u);
  expectHeader(filler);
}

TEST(ProxyProtocolV1Test, NoCrlfWithin107BytesRefused) {
  const char* reason = "PROXY v1: no CRLF within 107 bytes";
  expectRefused("PROXY UNKNOWN " + std::string(107 - 14, 'x'), reason);
  // The CR on byte 107 and its LF on byte 108: one byte too long.
  expectRefused("PROXY UNKNOWN " + std::string(107 - 15, 'x') + "\r", reason);
  // Valid TCP6 text that the limit does not leave room for (45-character
  // addresses with an IPv4 tail).
  const std::string mixed = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
  const std::string line = "PROXY TCP6 " + mixed + " " + mixed + " 65535 65535\r\n";
  EXPECT_EQ(parse(line), errorOf(reason));
  EXPECT_EQ(decidedAt(line), 107u);
}

TEST(ProxyProtocolV1Test, NeverWaitsPastTheLimit) {
  const std::string longest = "PROXY UNKNOWN " + std::string(200, 'x');
  for (size_t n = 0; n <= longest.size(); ++n) {
    EXPECT_EQ(parse(longest.substr(0, n)).status == ProxyStatus::NeedMore, n < kMaxProxyV1Line)
        << n;
  }
}

TEST(ProxyProtocolV1Test, NotProxyRefusedOnFirstDifferentByte) {
  const char* reason = "not a PROXY protocol header";
  expectRefused(kClientHello.substr(0, 1), reason);  // a TLS client without a proxy
  expectRefused("G", reason);                        // an HTTP client
  expectRefused("PO", reason);
  expectRefused("PU", reason);
  expectRefused("p", reason);
  expectRefused("PROXY\r", reason);
  expectRefused("PROXY\t", reason);
  expectRefused("PROXX", reason);
  expectRefused(std::string(1, '\0'), reason);
  EXPECT_EQ(parse(""), Outcome{});
  EXPECT_EQ(parse("PROXY").status, ProxyStatus::NeedMore);
}

TEST(ProxyProtocolV1Test, UnknownProtocolRefused) {
  const char* reason = "PROXY v1: unknown protocol";
  expectRefused("PROXY TCP5", reason);
  expectRefused("PROXY t", reason);
  expectRefused("PROXY UD", reason);
  expectRefused("PROXY TCP4X", reason);
  expectRefused("PROXY TCP4\r", reason);
  expectRefused("PROXY UNKNOWNX", reason);
  expectRefused("PROXY UNKNOWN\t", reason);
  expectRefused("PROXY \r", reason);
}

TEST(ProxyProtocolV1Test, MoreThanOneSpaceRefused) {
  const char* reason = "PROXY v1: more than one space";
  expectRefused("PROXY  ", reason);
  expectRefused("PROXY TCP4  ", reason);
  expectRefused("PROXY TCP6  ", reason);
  expectRefused("PROXY TCP4 1.2.3.4  ", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8  ", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 1  ", reason);
  expectRefused("PROXY TCP6 ::1  ", reason);
}

TEST(ProxyProtocolV1Test, LeadingZeroOctetRefused) {
  const char* reason = "PROXY v1: invalid IPv4 address";
  expectRefused("PROXY TCP4 01", reason);
  expectRefused("PROXY TCP4 00", reason);
  expectRefused("PROXY TCP4 1.2.3.00", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.06", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.01", reason);
}

TEST(ProxyProtocolV1Test, OctetOver255Refused) {
  const char* reason = "PROXY v1: invalid IPv4 address";
  expectRefused("PROXY TCP4 256", reason);
  expectRefused("PROXY TCP4 1.2.3.260", reason);
  expectRefused("PROXY TCP4 1000", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.2550", reason);
}

TEST(ProxyProtocolV1Test, MalformedIpv4Refused) {
  const char* reason = "PROXY v1: invalid IPv4 address";
  expectRefused("PROXY TCP4 1.2.3 ", reason);    // three octets
  expectRefused("PROXY TCP4 1.2.3.4.", reason);  // five
  expectRefused("PROXY TCP4 1..", reason);
  expectRefused("PROXY TCP4 .", reason);
  expectRefused("PROXY TCP4 -", reason);
  expectRefused("PROXY TCP4 +", reason);
  expectRefused("PROXY TCP4 1.2.3.4\t", reason);
  expectRefused("PROXY TCP4 1.2.3.4\r", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8x", reason);
  expectRefused("PROXY TCP4 :", reason);  // IPv6 in a TCP4 line
  expectRefused("PROXY TCP4 a", reason);
}

TEST(ProxyProtocolV1Test, MalformedIpv6Refused) {
  const char* reason = "PROXY v1: invalid IPv6 address";
  expectRefused("PROXY TCP6 1.2.3.4 ", reason);  // IPv4 in a TCP6 line
  expectRefused("PROXY TCP6 1:::2 ", reason);
  expectRefused("PROXY TCP6 1::2::3 ", reason);
  expectRefused("PROXY TCP6 12345:: ", reason);
  expectRefused("PROXY TCP6 1:2:3:4:5:6:7 ", reason);
  expectRefused("PROXY TCP6 1:2:3:4:5:6:7:8:9 ", reason);
  expectRefused("PROXY TCP6 ::1 ::1.2.3.256 ", reason);
  expectRefused("PROXY TCP6 ::g", reason);
  expectRefused("PROXY TCP6 fe80::1%", reason);  // no zone
  expectRefused("PROXY TCP6 [", reason);
  expectRefused("PROXY TCP6 " + std::string(46, '1'), reason);  // longer than any address
  expectRefused("PROXY TCP6 ::1 ::2\r", reason);
}

TEST(ProxyProtocolV1Test, BadPortRefused) {
  const char* reason = "PROXY v1: invalid port";
  const std::string addresses = "PROXY TCP4 1.2.3.4 5.6.7.8 ";
  expectRefused(addresses + "65536", reason);
  expectRefused(addresses + "99999", reason);
  expectRefused(addresses + "123456", reason);
  expectRefused(addresses + "80 65536", reason);
  expectRefused(addresses + "-", reason);
  expectRefused(addresses + "+", reason);
  expectRefused(addresses + "\r", reason);  // missing
  expectRefused(addresses + "80\r", reason);
  expectRefused(addresses + "80x", reason);
  expectRefused(addresses + "80 x", reason);
  expectRefused("PROXY TCP6 ::1 ::2 0x", reason);
}

TEST(ProxyProtocolV1Test, LeadingZeroPortRefused) {
  const char* reason = "PROXY v1: invalid port";
  const std::string addresses = "PROXY TCP4 1.2.3.4 5.6.7.8 ";
  expectRefused(addresses + "01", reason);
  expectRefused(addresses + "00", reason);
  expectRefused(addresses + "80 04", reason);
  expectHeader(addresses + "0 0\r\n");
}

TEST(ProxyProtocolV1Test, BareLfRefused) {
  const char* reason = "PROXY v1: bare LF";
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\n", reason);
  expectRefused("PROXY UNKNOWN\n", reason);
  expectRefused("PROXY UNKNOWN 1.2.3.4\n", reason);
}

TEST(ProxyProtocolV1Test, CrWithoutLfRefused) {
  const char* reason = "PROXY v1: CR without LF";
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\rX", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\r\r", reason);
  expectRefused("PROXY UNKNOWN\r ", reason);
  expectRefused("PROXY UNKNOWN junk\rj", reason);
}

TEST(ProxyProtocolV1Test, JunkAfterPortsRefused) {
  const char* reason = "PROXY v1: expected CRLF after the ports";
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 80 443 ", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 80 443x", reason);
  expectRefused("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\t", reason);
}

// ================= version 2 =================

TEST(ProxyProtocolV2Test, Tcp4) {
  const Outcome o = expectHeader(v2(0x21, 0x11, kInet4Block));
  EXPECT_EQ(o.consumed, 28u);
  EXPECT_EQ(o.header.version, 2);
  EXPECT_EQ(o.header.command, ProxyCommand::Proxy);
  EXPECT_EQ(o.header.v2Family, 0x11);
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp4);
  EXPECT_EQ(text(o.header.source), "192.0.2.1");
  EXPECT_EQ(text(o.header.destination), "198.51.100.7");
  EXPECT_EQ(o.header.source.port, 56324);
  EXPECT_EQ(o.header.destination.port, 443);
  const std::array<uint8_t, 16> source = {192, 0, 2, 1};
  EXPECT_EQ(o.header.source.bytes, source);
}

TEST(ProxyProtocolV2Test, Tcp6) {
  const Outcome o = expectHeader(v2(0x21, 0x21, inet6Block()));
  EXPECT_EQ(o.consumed, 52u);
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp6);
  EXPECT_EQ(o.header.destination.family, ProxyFamily::Tcp6);
  EXPECT_EQ(text(o.header.source), "2001:db8::1");
  EXPECT_EQ(text(o.header.destination), "2001:db8::2");
  EXPECT_EQ(o.header.source.port, 56324);
  EXPECT_EQ(o.header.destination.port, 8443);
}

TEST(ProxyProtocolV2Test, Tcp6Ipv4Mapped) {
  std::string block(10, '\0');
  block += "\xff\xff\xc0\x00\x02\x01"s;
  block += std::string(10, '\0') + "\xff\xff\xc6\x33\x64\x07";
  block += "\x00\x50\x01\xbb"s;
  const Outcome o = expectHeader(v2(0x21, 0x21, block));
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp6);
  EXPECT_EQ(text(o.header.source), "192.0.2.1");
  EXPECT_EQ(o.header.source.port, 80);
}

// LOCAL: the proxy's own connection (a health check); the family and the
// block are ignored, whatever they are.
TEST(ProxyProtocolV2Test, LocalUsesPeerAddress) {
  for (const std::string& header :
       {v2(0x20, 0x00, ""), v2(0x20, 0x11, kInet4Block), v2(0x20, 0xff, "not TLVs"),
        v2(0x20, 0x31, "short"), v2(0x20, 0x21, std::string(4000, '\xff'))}) {
    const Outcome o = expectHeader(header);
    EXPECT_EQ(o.header.command, ProxyCommand::Local);
    EXPECT_EQ(o.header.family(), ProxyFamily::Unspec);
    EXPECT_EQ(o.header.source, ProxyAddress{});
    EXPECT_EQ(o.header.destination, ProxyAddress{});
  }
}

// PROXY with UNSPEC: accepted, addresses (if any) ignored.
TEST(ProxyProtocolV2Test, UnspecUsesPeerAddress) {
  for (const std::string& header : {v2(0x21, 0x00, ""), v2(0x21, 0x00, kInet4Block + "\x01")}) {
    const Outcome o = expectHeader(header);
    EXPECT_EQ(o.header.command, ProxyCommand::Proxy);
    EXPECT_EQ(o.header.family(), ProxyFamily::Unspec);
    EXPECT_EQ(o.header.v2Family, 0x00);
    EXPECT_EQ(o.header.source, ProxyAddress{});
  }
}

// UDP and AF_UNIX fall back to UNSPEC (the specification's rule for what a
// receiver does not implement): accepted, the real peer address stands.
TEST(ProxyProtocolV2Test, UdpAndUnixFallBackToUnspec) {
  const std::string unixBlock =
      "/run/client.sock" + std::string(92, '\0') + "/run/haproxy.sock" + std::string(91, '\0');
  ASSERT_EQ(unixBlock.size(), 216u);
  for (const std::string& header :
       {v2(0x21, 0x12, kInet4Block), v2(0x21, 0x22, inet6Block()), v2(0x21, 0x31, unixBlock),
        v2(0x21, 0x32, unixBlock + tlv(0x04, ""))}) {
    const Outcome o = expectHeader(header);
    EXPECT_EQ(o.header.command, ProxyCommand::Proxy);
    EXPECT_EQ(o.header.family(), ProxyFamily::Unspec);
    EXPECT_EQ(o.header.v2Family, static_cast<uint8_t>(header[13]));
    EXPECT_EQ(o.header.source, ProxyAddress{});
    EXPECT_EQ(o.header.destination, ProxyAddress{});
  }
}

TEST(ProxyProtocolV2Test, TlvsWalkedAndIgnored) {
  const std::string ssl = std::string("\x05\x00\x00\x00\x00", 5) + tlv(0x21, "TLSv1.3") +
                          tlv(0x22, "client.example") + tlv(0x23, "TLS_AES_128_GCM_SHA256");
  const std::string tlvs = tlv(0x01, "h2") + tlv(0x02, "example.org") +
                           tlv(0x03, "\x12\x34\x56\x78") + tlv(0x04, "") +
                           tlv(0x05, std::string(128, 'u')) + tlv(0x20, ssl) +
                           tlv(0xea, "\x01vpce-08d2bf15fac5001c9") + tlv(0x30, "");
  Outcome o = expectHeader(v2(0x21, 0x11, kInet4Block + tlvs));
  EXPECT_EQ(o.header.family(), ProxyFamily::Tcp4);
  EXPECT_EQ(text(o.header.source), "192.0.2.1");
  EXPECT_EQ(o.header.destination.port, 443);
  o = expectHeader(v2(0x21, 0x21, inet6Block() + tlv(0x04, std::string(300, '\0'))));
  EXPECT_EQ(text(o.header.destination), "2001:db8::2");
  // A TLV of 65535 bytes would be one, but the header is over the size limit.
  expectHeader(v2(0x21, 0x11, kInet4Block + tlv(0x04, "") + tlv(0x04, "")));
}

TEST(ProxyProtocolV2Test, TruncatedTlvRefused) {
  const char* reason = "PROXY v2: truncated TLV";
  for (const std::string& tlvs :
       {std::string("\x01", 1), std::string("\x01\x00", 2), std::string("\x01\x00\x01", 3),
        std::string("\x01\x00\x03h2", 5), std::string("\x01\xff\xff", 3),
        tlv(0x01, "h2") + std::string("\x02\x00\x0b", 3) + "example.or",
        tlv(0x04, "") + std::string("\x04", 1)}) {
    expectRefused(v2(0x21, 0x11, kInet4Block + tlvs), reason);
    expectRefused(v2(0x21, 0x21, inet6Block() + tlvs), reason);
    expectRefused(v2(0x21, 0x12, kInet4Block + tlvs), reason);
  }
}

TEST(ProxyProtocolV2Test, BadVersionRefused) {
  const char* reason = "PROXY v2: unsupported version";
  for (const uint8_t versionCommand : {0x01, 0x11, 0x31, 0xf1, 0x10, 0x00}) {
    expectRefused(kSignature + static_cast<char>(versionCommand), reason);
  }
}

TEST(ProxyProtocolV2Test, UnknownCommandRefused) {
  const char* reason = "PROXY v2: unknown command";
  for (const uint8_t versionCommand : {0x22, 0x23, 0x2f}) {
    expectRefused(kSignature + static_cast<char>(versionCommand), reason);
  }
}

TEST(ProxyProtocolV2Test, UnknownFamilyRefused) {
  const char* reason = "PROXY v2: unknown address family or transport";
  for (const uint8_t family : {0x01, 0x02, 0x10, 0x13, 0x20, 0x23, 0x30, 0x33, 0x41, 0xff}) {
    expectRefused(kSignature + "\x21" + static_cast<char>(family), reason);
  }
}

TEST(ProxyProtocolV2Test, LengthShorterThanAddressesRefused) {
  const char* reason = "PROXY v2: length shorter than the addresses";
  expectRefused(v2(0x21, 0x11, "", 11), reason);
  expectRefused(v2(0x21, 0x11, "", 0), reason);
  expectRefused(v2(0x21, 0x21, "", 35), reason);
  expectRefused(v2(0x21, 0x21, "", 12), reason);
  expectRefused(v2(0x21, 0x12, "", 11), reason);
  expectRefused(v2(0x21, 0x22, "", 35), reason);
  expectRefused(v2(0x21, 0x31, "", 215), reason);
  expectRefused(v2(0x21, 0x32, "", 0), reason);
}

// The size limit is decided on the length field, before any of the block
// is buffered.
TEST(ProxyProtocolV2Test, OversizedHeaderRefused) {
  const char* reason = "PROXY v2: header larger than 4096 bytes";
  expectRefused(v2(0x21, 0x11, "", kMaxProxyHeaderSize - 16 + 1), reason);
  expectRefused(v2(0x21, 0x11, "", 0xffff), reason);
  expectRefused(v2(0x20, 0x00, "", 0xffff), reason);
  expectRefused(v2(0x21, 0x00, "", 0x1000), reason);

  // Exactly the limit is accepted, and waited for until its last byte.
  const std::string largest =
      v2(0x21, 0x11, kInet4Block + tlv(0x04, std::string(kMaxProxyHeaderSize - 16 - 12 - 3, 'n')));
  ASSERT_EQ(largest.size(), kMaxProxyHeaderSize);
  const Outcome o = parse(largest + kClientHello);
  EXPECT_EQ(o.status, ProxyStatus::Done);
  EXPECT_EQ(o.consumed, kMaxProxyHeaderSize);
  EXPECT_EQ(decidedAt(largest), kMaxProxyHeaderSize);
  const std::string local = v2(0x20, 0x00, std::string(kMaxProxyHeaderSize - 16, 'x'));
  EXPECT_EQ(parse(local).consumed, kMaxProxyHeaderSize);
}

TEST(ProxyProtocolV2Test, NotProxyRefusedOnFirstDifferentByte) {
  const char* reason = "not a PROXY protocol header";
  for (size_t i = 0; i < kSignature.size(); ++i) {
    std::string wrong = kSignature.substr(0, i);
    wrong += static_cast<char>(kSignature[i] ^ 0x40);
    expectRefused(wrong, reason);
  }
  expectRefused("\r\n\r\n\r", reason);  // a run of empty lines
  expectRefused("\r\n\r\n\0\r\nQUIT\r"s, reason);
}

// ================= both =================

// The header is decided on its own bytes; what follows (the TLS
// ClientHello) is the client's, untouched, however the bytes arrive.
TEST(ProxyProtocolTest, BytesAfterHeaderLeftUnconsumed) {
  for (const std::string& header :
       {std::string("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"),
        std::string("PROXY UNKNOWN\r\n"), v2(0x21, 0x11, kInet4Block),
        v2(0x21, 0x11, kInet4Block + tlv(0x01, "h2")), v2(0x20, 0x00, "")}) {
    const std::string stream = header + kClientHello + "more TLS";
    const Outcome o = parse(stream);
    ASSERT_EQ(o.status, ProxyStatus::Done);
    EXPECT_EQ(o.consumed, header.size());
    EXPECT_EQ(stream.substr(o.consumed), kClientHello + "more TLS");
    // Even a second header after the first is the client's, not the proxy's.
    EXPECT_EQ(parse(header + header), parse(header));
  }
}

TEST(ProxyProtocolTest, EverySplit) {
  for (const std::string& in :
       {std::string("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"),
        std::string("PROXY TCP6 2001:db8::1 ::ffff:1.2.3.4 1 65535\r\n"),
        std::string("PROXY UNKNOWN junk\r\n"), std::string("PROXY TCP4 1.2.3.4 5.6.7.8 80 443\n"),
        std::string("PROXY TCP4 1.2.3.4 5.6.7.08 80 443\r\n"),
        std::string("PROXY TCP6 1::2::3 ::1 80 443\r\n"), "PROXY UNKNOWN " + std::string(120, 'x'),
        v2(0x21, 0x11, kInet4Block),
        v2(0x21, 0x21, inet6Block() + tlv(0x01, "http/1.1") + tlv(0x02, "example.org")),
        v2(0x21, 0x11, kInet4Block + "\x01\x00"), v2(0x20, 0x00, ""), v2(0x21, 0x11, "", 5000),
        v2(0x22, 0x11, kInet4Block), kClientHello}) {
    SCOPED_TRACE(testing::PrintToString(in));
    expectSplitInvariant(in + kClientHello);
  }
}

// An address text as the gate shows its own clients' addresses
// (net::addressText), for addresses of both families.
TEST(ProxyProtocolTest, SocketAddressAsTheGateKeepsIt) {
  for (const char* ip : {"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "2001:db8::7",
                         "2001:db8:0:0:1::1", "2001:0:0:1::1", "fe80::1:2:3:4", "1:0:0:0:0:0:0:0",
                         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:203.0.113.9",
                         "::1.2.3.4", "64:ff9b::192.0.2.33", "2001:DB8::A"}) {
    const std::optional<sockaddr_storage> sa = parseIpAddress(ip, 4711);
    ASSERT_TRUE(sa.has_value()) << ip;
    ProxyAddress a;
    a.port = 4711;
    if (sa->ss_family == AF_INET) {
      a.family = ProxyFamily::Tcp4;
      std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in&>(*sa).sin_addr, 4);
    } else {
      a.family = ProxyFamily::Tcp6;
      std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(*sa).sin6_addr, 16);
    }
    const sockaddr_storage kept = toSocketAddress(a);
    EXPECT_TRUE(sameHost(kept, *sa)) << ip;
    EXPECT_EQ(portOf(kept), 4711) << ip;
    EXPECT_EQ(endpointText(kept), endpointText(*sa)) << ip;
    EXPECT_EQ(proxyAddressText(a), addressText(*sa)) << ip;
  }
  EXPECT_EQ(toSocketAddress(ProxyAddress{}).ss_family, AF_UNSPEC);
}

TEST(ProxyProtocolTest, AddressTextEmptyWhenItCannot) {
  ProxyAddress v4{ProxyFamily::Tcp4, 80, {192, 0, 2, 123}};
  char small[8];
  formatProxyAddress(v4, small, sizeof small);
  EXPECT_STREQ(small, "");
  char room[kProxyAddressTextSize] = "stale";
  formatProxyAddress(ProxyAddress{}, room, sizeof room);
  EXPECT_STREQ(room, "");
  formatProxyAddress(v4, room, 0);  // writes nothing at all
  EXPECT_STREQ(room, "");
  formatProxyAddress(v4, room, sizeof room);
  EXPECT_STREQ(room, "192.0.2.123");
  ProxyAddress v6{ProxyFamily::Tcp6, 0, {}};
  v6.bytes.fill(0xff);
  v6.bytes[11] = 0xfe;
  formatProxyAddress(v6, room, sizeof room);
  EXPECT_STREQ(room, "ffff:ffff:ffff:ffff:ffff:fffe:ffff:ffff");
}

}  // namespace
}  // namespace httpgate::net
