// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2):
// what a load balancer in front of the gate sends before anything else on a
// connection, to say which client it relays. Sans-I/O: it takes the bytes
// received so far on a connection and says NeedMore, Done (how many bytes
// the header took, and what it said) or Error (why, as a short static text).
// Plain data, no sockets, no allocation.
//
// Version 1 is a text line, strictly as the specification writes it:
//   "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"
//   "PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n"
//   "PROXY UNKNOWN[ anything]\r\n"
// single spaces, IPv4 addresses as four decimal octets without leading
// zeros, IPv6 addresses as inet_pton(3) reads them, ports 0-65535 without
// leading zeros, CRLF (never a bare LF or CR) within the first 107 bytes.
// After UNKNOWN, the rest of the line is ignored up to its CRLF.
//
// Version 2 is binary: the 12-byte signature, version 2, the command (LOCAL
// or PROXY), the family and transport, a 16-bit length and that many bytes
// of addresses and TLVs. Accepted:
//   LOCAL              any family (the specification says it is ignored)
//   PROXY TCP4, TCP6   addresses and ports read; the TLVs after them are
//                      walked (each must fit, and together fill the block
//                      exactly) and otherwise ignored
//   PROXY UNSPEC       addresses ignored, as the specification allows
//   PROXY UDP4, UDP6,  the valid combinations the gate does not use: the
//   UNIX stream/dgram  specification asks a receiver that does not implement
//                      them to fall back to UNSPEC, and nginx and HAProxy do;
//                      their block must hold their addresses, and their TLVs
//                      are walked as for TCP. Refusing them would buy nothing:
//                      the same trusted proxy may say UNSPEC for the same
//                      connection.
// Refused: another version, a command other than LOCAL and PROXY, a family
// byte the specification does not define (with PROXY), a length too short for
// the family's addresses, a truncated TLV, and any header longer than
// kMaxProxyHeaderSize.
//
// Anything else is refused as soon as the bytes received show it: a TLS
// ClientHello (0x16) or an HTTP request is refused on its first byte or two,
// without waiting for more.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace httpgate::net {

// The longest version 1 line, CRLF included (the specification's limit:
// "PROXY UNKNOWN" with two full-length IPv6 addresses and two 5-digit ports).
inline constexpr size_t kMaxProxyV1Line = 107;

// The longest version 2 header accepted: the 16 fixed bytes and the block
// that follows. The protocol allows 16 + 65535; nginx stops at 4096 too.
// Addresses take at most 216 bytes (AF_UNIX) and the TLVs senders use (ALPN,
// authority, unique id, SSL, cloud endpoint ids) a few hundred, so 4 KiB
// leaves room for any real sender while a client of the load balancer can
// never make the gate hold more than this before TLS.
inline constexpr size_t kMaxProxyHeaderSize = 4096;

// Room for any text formatProxyAddress() writes, NUL included
// (INET6_ADDRSTRLEN).
inline constexpr size_t kProxyAddressTextSize = 46;

enum class ProxyCommand : uint8_t {
  Local,  // v2 LOCAL: the proxy's own connection (a health check)
  Proxy,  // relayed for a client (v1 always)
};

enum class ProxyFamily : uint8_t {
  Unspec,  // no client address: v1 UNKNOWN, v2 LOCAL, UNSPEC and the fallbacks
  Tcp4,
  Tcp6,
};

// One end of the relayed connection.
struct ProxyAddress {
  ProxyFamily family = ProxyFamily::Unspec;
  uint16_t port = 0;                // host byte order
  std::array<uint8_t, 16> bytes{};  // network byte order: 4 bytes for Tcp4, 16 for Tcp6; rest 0

  bool operator==(const ProxyAddress&) const = default;
};

struct ProxyHeader {
  uint8_t version = 0;  // 1 or 2
  ProxyCommand command = ProxyCommand::Proxy;
  // v2: the family and transport byte as received (for the log: 0x31 is a
  // UNIX stream that fell back to Unspec); v1: 0.
  uint8_t v2Family = 0;
  ProxyAddress source;       // the client, as the proxy saw it
  ProxyAddress destination;  // the address the client connected to

  // Tcp4 or Tcp6 when the header names the client; Unspec when the
  // connection's real peer address stands (LOCAL, UNKNOWN, UNSPEC).
  ProxyFamily family() const { return source.family; }
  bool operator==(const ProxyHeader&) const = default;
};

enum class ProxyStatus : uint8_t { NeedMore, Done, Error };

struct ProxyParse {
  ProxyStatus status = ProxyStatus::NeedMore;
  size_t consumed = 0;      // with Done: the header's length; the bytes after it are the client's
  const char* reason = "";  // with Error: a short static text for the log
  ProxyHeader header;       // with Done
};

// Parses the PROXY header at the start of `in`, the bytes received so far on
// a connection. Each call parses from the start of `in` (there is no state
// between calls): a caller receiving the header in pieces calls again with
// all the bytes so far when new ones arrive. The outcome does not depend on
// how the bytes were cut: once a prefix of the input gives Done or Error,
// every longer input gives the same. Bytes after the header (the TLS
// ClientHello) are not looked at. NeedMore is only ever returned for fewer
// than kMaxProxyHeaderSize bytes (fewer than kMaxProxyV1Line for version 1),
// so a caller may buffer that much and no more.
ProxyParse parseProxyHeader(std::string_view in);

// `address` as the socket address the gate keeps for a client (its port
// included), so that net::formatAddress and the rest of common/net/address.h
// read it as they read a peer's; Unspec gives an AF_UNSPEC address (shown
// as "").
sockaddr_storage toSocketAddress(const ProxyAddress& address);

// Its IP address as net::formatAddress writes it: "192.0.2.1",
// "2001:db8::7", an IPv4-mapped IPv6 address as the IPv4 address it carries.
void formatProxyAddress(const ProxyAddress& address, char* out, size_t size);

// The same as a string.
std::string proxyAddressText(const ProxyAddress& address);

}  // namespace httpgate::net
