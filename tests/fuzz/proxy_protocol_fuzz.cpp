// Fuzz target for the PROXY protocol header parser
// (common/net/proxy_protocol.h). The input is the first bytes of a
// connection. Beyond "no crash" (and, under ASan, no read past the input:
// every prefix is parsed from a buffer of exactly its size) it checks:
//  - NeedMore only below the limits (107 bytes for a v1 line, 4096 for a
//    header): the gate never buffers more than that before TLS;
//  - every prefix of the input is NeedMore or already the outcome of the
//    whole input, so no way of cutting the bytes changes the outcome;
//  - Done is decided by the header's own bytes: exactly `consumed` bytes
//    give the same, one fewer gives NeedMore;
//  - a v1 TCP4 line is accepted only in its one canonical form (the line
//    written back from the result is the input), a v1 line ends in CRLF,
//    and a v2 header is 16 bytes and the length it announces;
//  - the addresses: none for Unspec, and the text of each reads back to
//    its bytes (an IPv4-mapped IPv6 address as its IPv4 address).
// A failed check aborts, so libFuzzer (and the replay test) report it.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/net/proxy_protocol.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using httpgate::net::ProxyAddress;
using httpgate::net::ProxyFamily;
using httpgate::net::ProxyHeader;
using httpgate::net::ProxyParse;
using httpgate::net::ProxyStatus;

// Parses the first `n` bytes of `in` from a copy of exactly that size.
ProxyParse parsePrefix(std::string_view in, size_t n) {
  std::unique_ptr<char[]> copy(new char[n == 0 ? 1 : n]);
  std::memcpy(copy.get(), in.data(), n);
  return httpgate::net::parseProxyHeader(std::string_view(copy.get(), n));
}

bool same(const ProxyParse& a, const ProxyParse& b) {
  return a.status == b.status && a.consumed == b.consumed &&
         std::string_view(a.reason) == std::string_view(b.reason) && a.header == b.header;
}

void checkAddress(const ProxyAddress& a) {
  const std::string text = httpgate::net::proxyAddressText(a);
  uint8_t back[16] = {};
  switch (a.family) {
    case ProxyFamily::Unspec:
      FUZZ_CHECK(a == ProxyAddress{});
      FUZZ_CHECK(text.empty());
      break;
    case ProxyFamily::Tcp4:
      FUZZ_CHECK(::inet_pton(AF_INET, text.c_str(), back) == 1);
      FUZZ_CHECK(std::memcmp(back, a.bytes.data(), 4) == 0);
      FUZZ_CHECK(std::all_of(a.bytes.begin() + 4, a.bytes.end(), [](uint8_t b) { return b == 0; }));
      break;
    case ProxyFamily::Tcp6:
      if (::inet_pton(AF_INET6, text.c_str(), back) == 1) {
        FUZZ_CHECK(std::memcmp(back, a.bytes.data(), 16) == 0);
      } else {
        // IPv4-mapped: shown as the IPv4 address it carries.
        FUZZ_CHECK(::inet_pton(AF_INET, text.c_str(), back) == 1);
        FUZZ_CHECK(std::memcmp(back, a.bytes.data() + 12, 4) == 0);
        FUZZ_CHECK(a.bytes[10] == 0xff && a.bytes[11] == 0xff);
      }
      break;
  }
}

void checkDone(std::string_view in, const ProxyParse& r) {
  const ProxyHeader& h = r.header;
  FUZZ_CHECK(r.consumed <= in.size());
  FUZZ_CHECK(h.destination.family == h.family());
  checkAddress(h.source);
  checkAddress(h.destination);
  const std::string_view header = in.substr(0, r.consumed);
  if (h.version == 1) {
    FUZZ_CHECK(r.consumed >= 15 && r.consumed <= httpgate::net::kMaxProxyV1Line);
    FUZZ_CHECK(header.starts_with("PROXY ") && header.ends_with("\r\n"));
    FUZZ_CHECK(header.find('\r') == header.size() - 2 && header.find('\n') == header.size() - 1);
    FUZZ_CHECK(h.command == httpgate::net::ProxyCommand::Proxy && h.v2Family == 0);
    if (h.family() == ProxyFamily::Tcp4) {
      const std::string line = "PROXY TCP4 " + httpgate::net::proxyAddressText(h.source) + " " +
                               httpgate::net::proxyAddressText(h.destination) + " " +
                               std::to_string(h.source.port) + " " +
                               std::to_string(h.destination.port) + "\r\n";
      FUZZ_CHECK(line == header);
    } else if (h.family() == ProxyFamily::Tcp6) {
      FUZZ_CHECK(header.starts_with("PROXY TCP6 "));
    } else {
      FUZZ_CHECK(header.starts_with("PROXY UNKNOWN\r\n") || header.starts_with("PROXY UNKNOWN "));
    }
  } else {
    FUZZ_CHECK(h.version == 2);
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    FUZZ_CHECK(r.consumed >= 16 && r.consumed <= httpgate::net::kMaxProxyHeaderSize);
    FUZZ_CHECK(r.consumed == 16 + (size_t{p[14]} << 8 | p[15]));
    FUZZ_CHECK(h.v2Family == p[13]);
    if (h.family() == ProxyFamily::Tcp4) {
      FUZZ_CHECK(std::memcmp(h.source.bytes.data(), p + 16, 4) == 0);
      FUZZ_CHECK(h.destination.port == (p[26] << 8 | p[27]));
    } else if (h.family() == ProxyFamily::Tcp6) {
      FUZZ_CHECK(std::memcmp(h.destination.bytes.data(), p + 32, 16) == 0);
      FUZZ_CHECK(h.source.port == (p[48] << 8 | p[49]));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const ProxyParse whole = httpgate::net::parseProxyHeader(in);
  switch (whole.status) {
    case ProxyStatus::NeedMore:
      FUZZ_CHECK(size < httpgate::net::kMaxProxyHeaderSize);
      FUZZ_CHECK(size == 0 || in[0] != 'P' || size < httpgate::net::kMaxProxyV1Line);
      break;
    case ProxyStatus::Error:
      FUZZ_CHECK(*whole.reason != '\0' && whole.consumed == 0);
      break;
    case ProxyStatus::Done:
      checkDone(in, whole);
      FUZZ_CHECK(same(parsePrefix(in, whole.consumed), whole));
      FUZZ_CHECK(parsePrefix(in, whole.consumed - 1).status == ProxyStatus::NeedMore);
      break;
  }

  // Prefixes: every one of the first 128 bytes, and a few more chosen by
  // the input (the whole of a 4 KiB header would make each run quadratic).
  const auto checkPrefix = [&](size_t n) {
    const ProxyParse prefix = parsePrefix(in, n);
    if (prefix.status != ProxyStatus::NeedMore) {
      FUZZ_CHECK(same(prefix, whole));
    }
  };
  for (size_t n = 0; n <= std::min<size_t>(size, 128); ++n) {
    checkPrefix(n);
  }
  httpgate::fuzz::SplitRandom random(in);
  for (int i = 0; i < 16 && size > 128; ++i) {
    checkPrefix(129 + random.below(size - 128));
  }
  return 0;
}
