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
  kH2RstStream = 0x3,
  kH2Settings = 0x4,
  kH2Ping = 0x6,
  kH2Goaway = 0x7,
  kH2WindowUpdate = 0x8,
};

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
// Reads the next frame from `client` within `timeout`.
H2Frame readH2Frame(Client& client, Millis timeout = kIoTimeout);
// Reads frames until one of `type` arrives (others are skipped), at most
// `maxFrames` of them.
H2Frame readH2FrameOfType(Client& client, uint8_t type, Millis timeout = kIoTimeout,
                          int maxFrames = 100);

}  // namespace httpgate::test
