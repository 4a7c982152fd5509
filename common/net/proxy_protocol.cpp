#include "common/net/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "common/net/address.h"

namespace httpgate::net {

static_assert(kProxyAddressTextSize == kAddressTextSize);

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr char kV2SignatureBytes[] = "\r\n\r\n\0\r\nQUIT\n";
constexpr std::string_view kV2Signature(kV2SignatureBytes, 12);
constexpr size_t kV2FixedSize = 16;  // signature, version and command, family, length
// The longest IPv6 address text inet_pton reads (with an IPv4 tail).
constexpr size_t kMaxIpv6Text = kProxyAddressTextSize - 1;

constexpr const char* kNotProxy = "not a PROXY protocol header";
constexpr const char* kV1Protocol = "PROXY v1: unknown protocol";
constexpr const char* kV1Space = "PROXY v1: more than one space";
constexpr const char* kV1Ipv4 = "PROXY v1: invalid IPv4 address";
constexpr const char* kV1Ipv6 = "PROXY v1: invalid IPv6 address";
constexpr const char* kV1Port = "PROXY v1: invalid port";
constexpr const char* kV1Crlf = "PROXY v1: expected CRLF after the ports";
constexpr const char* kV1BareLf = "PROXY v1: bare LF";
constexpr const char* kV1BareCr = "PROXY v1: CR without LF";
constexpr const char* kV1TooLong = "PROXY v1: no CRLF within 107 bytes";
constexpr const char* kV2Version = "PROXY v2: unsupported version";
constexpr const char* kV2Command = "PROXY v2: unknown command";
constexpr const char* kV2Family = "PROXY v2: unknown address family or transport";
constexpr const char* kV2TooLarge = "PROXY v2: header larger than 4096 bytes";
constexpr const char* kV2Short = "PROXY v2: length shorter than the addresses";
constexpr const char* kV2Tlv = "PROXY v2: truncated TLV";

ProxyParse needMore() {
  return {};
}

ProxyParse error(const char* reason) {
  ProxyParse result;
  result.status = ProxyStatus::Error;
  result.reason = reason;
  return result;
}

ProxyParse done(size_t consumed, const ProxyHeader& header) {
  ProxyParse result;
  result.status = ProxyStatus::Done;
  result.consumed = consumed;
  result.header = header;
  return result;
}

// --- version 1 ---

// What reading one element of a v1 line gave: the element, the end of the
// bytes so far in the middle of it (More), or a byte that cannot be there.
enum class Read : uint8_t { Ok, More, Bad };

// The bytes of a v1 line received so far (at most kMaxProxyV1Line) and the
// position of the next element. Each element is decided by the bytes up to
// the one that ends it, so a prefix that is Bad stays Bad whatever follows.
struct Line {
  std::string_view in;
  size_t pos = 0;
  const char* reason = "";

  bool atEnd() const { return pos == in.size(); }
  char peek() const { return in[pos]; }
  Read bad(const char* why) {
    reason = why;
    return Read::Bad;
  }
};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isIpv6Char(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

// A decimal number up to `max`: one or more digits, "0" alone or no leading
// zero. Ends at the first byte that is not a digit, which it leaves.
Read number(Line& line, unsigned max, const char* reason, unsigned& value) {
  value = 0;
  size_t digits = 0;
  while (true) {
    if (line.atEnd()) {
      return Read::More;
    }
    const char c = line.peek();
    if (!isDigit(c)) {
      break;
    }
    if (digits == 1 && value == 0) {
      return line.bad(reason);  // a leading zero (octal to some readers)
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > max) {
      return line.bad(reason);
    }
    ++digits;
    ++line.pos;
  }
  return digits == 0 ? line.bad(reason) : Read::Ok;
}

// Exactly one space before the next element; `reason` when the byte there
// is not a space (the element before it went on with something else).
Read separator(Line& line, const char* reason) {
  if (line.atEnd()) {
    return Read::More;
  }
  if (line.peek() != ' ') {
    return line.bad(reason);
  }
  ++line.pos;
  if (!line.atEnd() && line.peek() == ' ') {
    return line.bad(kV1Space);
  }
  return Read::Ok;
}

// The CRLF that ends the line; `reason` for any other byte.
Read crlf(Line& line, const char* reason) {
  if (line.atEnd()) {
    return Read::More;
  }
  if (line.peek() == '\n') {
    return line.bad(kV1BareLf);
  }
  if (line.peek() != '\r') {
    return line.bad(reason);
  }
  ++line.pos;
  if (line.atEnd()) {
    return Read::More;
  }
  if (line.peek() != '\n') {
    return line.bad(kV1BareCr);
  }
  ++line.pos;
  return Read::Ok;
}

// Four decimal octets 0-255 separated by dots, into bytes[0..3].
Read ipv4(Line& line, std::array<uint8_t, 16>& bytes) {
  for (size_t i = 0; i < 4; ++i) {
    if (i > 0) {
      if (line.atEnd()) {
        return Read::More;
      }
      if (line.peek() != '.') {
        return line.bad(kV1Ipv4);
      }
      ++line.pos;
    }
    unsigned octet = 0;
    if (const Read r = number(line, 255, kV1Ipv4, octet); r != Read::Ok) {
      return r;
    }
    bytes[i] = static_cast<uint8_t>(octet);
  }
  return Read::Ok;
}

// An IPv6 address as inet_pton reads it (hex groups, one "::", an optional
// dotted IPv4 tail), into bytes[0..15]. Its characters are gathered up to
// the first byte that cannot be one, at most kMaxIpv6Text of them.
Read ipv6(Line& line, std::array<uint8_t, 16>& bytes) {
  const size_t start = line.pos;
  while (true) {
    if (line.atEnd()) {
      return Read::More;
    }
    if (!isIpv6Char(line.peek())) {
      break;
    }
    if (line.pos - start == kMaxIpv6Text) {
      return line.bad(kV1Ipv6);
    }
    ++line.pos;
  }
  const size_t length = line.pos - start;
  char text[kMaxIpv6Text + 1];  // inet_pton wants it NUL-terminated
  std::memcpy(text, line.in.data() + start, length);
  text[length] = '\0';
  if (length == 0 || ::inet_pton(AF_INET6, text, bytes.data()) != 1) {
    return line.bad(kV1Ipv6);
  }
  return Read::Ok;
}

// "TCP4", "TCP6" or "UNKNOWN", or as much of one of them as has arrived.
Read protocol(Line& line, ProxyFamily& family) {
  struct Name {
    std::string_view text;
    ProxyFamily family;
  };
  static constexpr Name kNames[] = {
      {"TCP4", ProxyFamily::Tcp4}, {"TCP6", ProxyFamily::Tcp6}, {"UNKNOWN", ProxyFamily::Unspec}};
  const std::string_view rest = line.in.substr(line.pos);
  for (const Name& name : kNames) {
    if (rest.size() < name.text.size()) {
      if (name.text.starts_with(rest)) {
        return Read::More;
      }
    } else if (rest.starts_with(name.text)) {
      line.pos += name.text.size();
      family = name.family;
      return Read::Ok;
    }
  }
  return line.bad(rest.starts_with(' ') ? kV1Space : kV1Protocol);
}

// The rest of an UNKNOWN line, which the receiver ignores up to its CRLF.
Read unknownRest(Line& line) {
  if (line.atEnd()) {
    return Read::More;
  }
  if (line.peek() == ' ') {
    while (true) {
      if (line.atEnd()) {
        return Read::More;
      }
      if (line.peek() == '\r' || line.peek() == '\n') {
        break;
      }
      ++line.pos;
    }
  }
  return crlf(line, kV1Protocol);  // "UNKNOWNX" is another protocol's name
}

// "src dst sport dport\r\n" after "TCP4 " or "TCP6 ".
Read tcpRest(Line& line, ProxyFamily family, ProxyHeader& header) {
  const bool v4 = family == ProxyFamily::Tcp4;
  const char* addressReason = v4 ? kV1Ipv4 : kV1Ipv6;
  for (ProxyAddress* address : {&header.source, &header.destination}) {
    address->family = family;
    const Read r = v4 ? ipv4(line, address->bytes) : ipv6(line, address->bytes);
    if (r != Read::Ok) {
      return r;
    }
    if (const Read s = separator(line, addressReason); s != Read::Ok) {
      return s;
    }
  }
  unsigned source = 0;
  unsigned destination = 0;
  if (const Read r = number(line, 65535, kV1Port, source); r != Read::Ok) {
    return r;
  }
  if (const Read r = separator(line, kV1Port); r != Read::Ok) {
    return r;
  }
  if (const Read r = number(line, 65535, kV1Port, destination); r != Read::Ok) {
    return r;
  }
  header.source.port = static_cast<uint16_t>(source);
  header.destination.port = static_cast<uint16_t>(destination);
  return crlf(line, kV1Crlf);
}

Read readV1(Line& line, ProxyHeader& header) {
  for (const char c : kV1Prefix) {
    if (line.atEnd()) {
      return Read::More;
    }
    if (line.peek() != c) {
      return line.bad(kNotProxy);
    }
    ++line.pos;
  }
  ProxyFamily family = ProxyFamily::Unspec;
  if (const Read r = protocol(line, family); r != Read::Ok) {
    return r;
  }
  if (family == ProxyFamily::Unspec) {
    return unknownRest(line);
  }
  if (const Read r = separator(line, kV1Protocol); r != Read::Ok) {
    return r;  // "TCP4X" is another protocol's name
  }
  return tcpRest(line, family, header);
}

ProxyParse parseV1(std::string_view in) {
  // The line must end within kMaxProxyV1Line bytes: nothing past them counts.
  Line line{in.substr(0, kMaxProxyV1Line)};
  ProxyHeader header;
  header.version = 1;
  switch (readV1(line, header)) {
    case Read::Ok:
      return done(line.pos, header);
    case Read::Bad:
      return error(line.reason);
    case Read::More:
      break;
  }
  return in.size() >= kMaxProxyV1Line ? error(kV1TooLong) : needMore();
}

// --- version 2 ---

uint16_t bigEndian16(const unsigned char* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// What the family and transport byte of a PROXY command says: how many
// bytes of addresses lead the block (TLVs follow them), and whether they
// are the client's (TCP) or ignored (UNSPEC and the fallbacks).
struct V2Family {
  bool valid = false;
  bool walkTlvs = false;  // the address length is known, so the TLVs can be found
  size_t addressBytes = 0;
  ProxyFamily family = ProxyFamily::Unspec;
};

V2Family v2Family(unsigned char byte) {
  switch (byte) {
    case 0x00:  // UNSPEC: no addresses; whatever the block holds is skipped
      return {true, false, 0, ProxyFamily::Unspec};
    case 0x11:  // TCP over IPv4
      return {true, true, 12, ProxyFamily::Tcp4};
    case 0x12:  // UDP over IPv4: falls back to UNSPEC
      return {true, true, 12, ProxyFamily::Unspec};
    case 0x21:  // TCP over IPv6
      return {true, true, 36, ProxyFamily::Tcp6};
    case 0x22:  // UDP over IPv6: falls back to UNSPEC
      return {true, true, 36, ProxyFamily::Unspec};
    case 0x31:  // UNIX stream: falls back to UNSPEC
    case 0x32:  // UNIX datagram: falls back to UNSPEC
      return {true, true, 216, ProxyFamily::Unspec};
    default:
      return {};
  }
}

// Whether `size` bytes at `p` are whole TLVs (type, 16-bit length, value),
// the last one ending exactly at the end.
bool wholeTlvs(const unsigned char* p, size_t size) {
  while (size > 0) {
    if (size < 3) {
      return false;
    }
    const size_t length = bigEndian16(p + 1);
    if (length > size - 3) {
      return false;
    }
    p += 3 + length;
    size -= 3 + length;
  }
  return true;
}

// Reads one address of `bytes` bytes at `p` and its port at `portAt`.
ProxyAddress v2Address(ProxyFamily family, const unsigned char* p, size_t bytes,
                       const unsigned char* portAt) {
  ProxyAddress address;
  address.family = family;
  std::memcpy(address.bytes.data(), p, bytes);
  address.port = bigEndian16(portAt);
  return address;
}

ProxyParse parseV2(std::string_view in) {
  const size_t signature = std::min(in.size(), kV2Signature.size());
  if (in.substr(0, signature) != kV2Signature.substr(0, signature)) {
    return error(kNotProxy);
  }
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  if (in.size() < 13) {
    return needMore();
  }
  if ((p[12] >> 4) != 2) {
    return error(kV2Version);
  }
  const unsigned command = p[12] & 0x0F;
  if (command > 1) {
    return error(kV2Command);
  }
  if (in.size() < 14) {
    return needMore();
  }
  ProxyHeader header;
  header.version = 2;
  header.v2Family = p[13];
  // LOCAL: "discard the protocol block including the family which is ignored".
  header.command = command == 0 ? ProxyCommand::Local : ProxyCommand::Proxy;
  V2Family family;
  if (header.command == ProxyCommand::Proxy) {
    family = v2Family(p[13]);
    if (!family.valid) {
      return error(kV2Family);
    }
  }
  if (in.size() < kV2FixedSize) {
    return needMore();
  }
  const size_t length = bigEndian16(p + 14);
  if (kV2FixedSize + length > kMaxProxyHeaderSize) {
    return error(kV2TooLarge);
  }
  if (length < family.addressBytes) {
    return error(kV2Short);
  }
  if (in.size() < kV2FixedSize + length) {
    return needMore();
  }
  const unsigned char* block = p + kV2FixedSize;
  if (family.walkTlvs && !wholeTlvs(block + family.addressBytes, length - family.addressBytes)) {
    return error(kV2Tlv);
  }
  if (family.family == ProxyFamily::Tcp4) {
    header.source = v2Address(ProxyFamily::Tcp4, block, 4, block + 8);
    header.destination = v2Address(ProxyFamily::Tcp4, block + 4, 4, block + 10);
  } else if (family.family == ProxyFamily::Tcp6) {
    header.source = v2Address(ProxyFamily::Tcp6, block, 16, block + 32);
    header.destination = v2Address(ProxyFamily::Tcp6, block + 16, 16, block + 34);
  }
  return done(kV2FixedSize + length, header);
}

}  // namespace

ProxyParse parseProxyHeader(std::string_view in) {
  if (in.empty()) {
    return needMore();
  }
  // The two signatures differ in their first byte.
  if (in[0] == kV1Prefix[0]) {
    return parseV1(in);
  }
  if (in[0] == kV2Signature[0]) {
    return parseV2(in);
  }
  return error(kNotProxy);
}

sockaddr_storage toSocketAddress(const ProxyAddress& address) {
  sockaddr_storage out{};
  if (address.family == ProxyFamily::Tcp4) {
    auto& v4 = reinterpret_cast<sockaddr_in&>(out);
    v4.sin_family = AF_INET;
    v4.sin_port = htons(address.port);
    std::memcpy(&v4.sin_addr, address.bytes.data(), 4);
  } else if (address.family == ProxyFamily::Tcp6) {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(out);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(address.port);
    std::memcpy(&v6.sin6_addr, address.bytes.data(), 16);
  }
  return out;
}

void formatProxyAddress(const ProxyAddress& address, char* out, size_t size) {
  formatAddress(toSocketAddress(address), out, size);
}

std::string proxyAddressText(const ProxyAddress& address) {
  return addressText(toSocketAddress(address));
}

}  // namespace httpgate::net
