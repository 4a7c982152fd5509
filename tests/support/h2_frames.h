// HTTP/2 frames written and read by hand (RFC 9113 4.1), for tests that
// must send what no well-behaved client sends (floods, resets, stalls) or
// watch exactly what the gate sends (a GOAWAY). The gate itself never
// frames by hand: it uses libnghttp2.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tests/support/client.h"

namespace httpgate::test {

// Frame types used by the tests.
enum H2FrameType : uint8_t {
  kH2Data = 0x0,
  kH2Headers = 0x1,
  kH2Priority = 0x2,
  kH2RstStream = 0x3,
  kH2Settings = 0x4,
  kH2Ping = 0x6,
  kH2Goaway = 0x7,
  kH2WindowUpdate = 0x8,
  kH2Continuation = 0x9,
};

enum H2Flag : uint8_t {
  kH2EndStream = 0x1,
  kH2Ack = 0x1,
  kH2EndHeaders = 0x4,
};

// RFC 9113 7 error codes the tests look for.
constexpr uint32_t kH2EnhanceYourCalm = 0xb;

struct H2Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream = 0;
  std::string payload;
  bool ok = false;  // false: nothing complete arrived in time (or the gate closed)
};

// The client connection preface followed by an empty SETTINGS frame.
std::string h2Preface();
std::string h2Frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload = {});
// The header block of "GET `path`" for gate.test, as a well-behaved encoder
// without a dynamic table writes it (RFC 7541: static-table references and
// literals without indexing, no Huffman), for HEADERS frames sent by hand.
std::string h2GetBlock(std::string_view path);
// One more field as a literal without indexing (a new name): to fill
// CONTINUATION frames.
std::string h2LiteralField(std::string_view name, std::string_view value);
// The 32-bit error code of a GOAWAY or RST_STREAM payload.
uint32_t h2ErrorCode(const H2Frame& frame);
// Reads the next frame from `client` within `timeout`.
H2Frame readH2Frame(Client& client, Millis timeout = kIoTimeout);
// Reads frames until one of `type` arrives (others are skipped), at most
// `maxFrames` of them.
H2Frame readH2FrameOfType(Client& client, uint8_t type, Millis timeout = kIoTimeout,
                          int maxFrames = 100);

}  // namespace httpgate::test
