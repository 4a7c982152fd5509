#include "bench/client/proxy_header.h"

#include <atomic>

namespace httpgate::bench {
namespace {

// The v2 signature: "\r\n\r\n\0\r\nQUIT\n".
constexpr unsigned char kSignature[] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                        0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr unsigned char kVersion2Proxy = 0x21;   // version 2, command PROXY
constexpr unsigned char kTcpOverIpv4 = 0x11;     // AF_INET, STREAM
constexpr unsigned char kIpv4AddressBytes = 12;  // two addresses, two ports

constexpr unsigned kSourceHosts = 254;  // 192.0.2.1 ... 192.0.2.254
constexpr unsigned kFirstSourcePort = 1024;
constexpr unsigned kSourcePorts = 65536 - kFirstSourcePort;

std::atomic<uint32_t> sequence{0};

void append16(std::string& out, unsigned value) {
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
  out.push_back(static_cast<char>(value & 0xFF));
}

}  // namespace

std::string nextProxyV2Header(uint16_t destinationPort) {
  const uint32_t n = sequence.fetch_add(1, std::memory_order_relaxed);
  std::string header(reinterpret_cast<const char*>(kSignature), sizeof kSignature);
  header.push_back(static_cast<char>(kVersion2Proxy));
  header.push_back(static_cast<char>(kTcpOverIpv4));
  append16(header, kIpv4AddressBytes);
  // Source address, then destination address, then their ports, each in
  // network byte order.
  header += {static_cast<char>(192), 0, 2, static_cast<char>(1 + n % kSourceHosts)};
  header += {127, 0, 0, 1};
  append16(header, kFirstSourcePort + (n / kSourceHosts) % kSourcePorts);
  append16(header, destinationPort);
  return header;
}

}  // namespace httpgate::bench
