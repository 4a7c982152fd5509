#include "tests/support/h2_frames.h"

namespace httpgate::test {

std::string h2Preface() {
  return std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + h2Frame(kH2Settings, 0, 0);
}

std::string h2Frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
  std::string frame;
  const size_t length = payload.size();
  frame.push_back(static_cast<char>((length >> 16) & 0xff));
  frame.push_back(static_cast<char>((length >> 8) & 0xff));
  frame.push_back(static_cast<char>(length & 0xff));
  frame.push_back(static_cast<char>(type));
  frame.push_back(static_cast<char>(flags));
  frame.push_back(static_cast<char>((stream >> 24) & 0x7f));
  frame.push_back(static_cast<char>((stream >> 16) & 0xff));
  frame.push_back(static_cast<char>((stream >> 8) & 0xff));
  frame.push_back(static_cast<char>(stream & 0xff));
  frame.append(payload);
  return frame;
}

namespace {

// A string literal of at most 126 bytes, without Huffman coding (RFC 7541
// 5.2: the 7-bit length prefix).
std::string literal(std::string_view text) {
  std::string out(1, static_cast<char>(text.size()));
  out.append(text);
  return out;
}

}  // namespace

std::string h2GetBlock(std::string_view path) {
  std::string block;
  block.push_back(static_cast<char>(0x82));  // :method GET (static index 2)
  block.push_back(static_cast<char>(0x87));  // :scheme https (7)
  block.push_back(0x04);                     // :path, literal value (name index 4)
  block.append(literal(path));
  block.push_back(0x01);  // :authority, literal value (name index 1)
  block.append(literal("gate.test"));
  return block;
}

std::string h2LiteralField(std::string_view name, std::string_view value) {
  return std::string(1, '\0') + literal(name) + literal(value);
}

uint32_t h2ErrorCode(const H2Frame& frame) {
  // GOAWAY: last stream id, then the code; RST_STREAM: the code alone.
  const size_t at = frame.type == kH2Goaway ? 4 : 0;
  if (frame.payload.size() < at + 4) {
    return UINT32_MAX;
  }
  uint32_t code = 0;
  for (size_t i = at; i < at + 4; ++i) {
    code = (code << 8) | static_cast<uint8_t>(frame.payload[i]);
  }
  return code;
}

H2Frame readH2Frame(Client& client, Millis timeout) {
  H2Frame frame;
  const std::string header = client.readBytes(9, timeout);
  if (header.size() != 9) {
    return frame;
  }
  const auto byte = [&header](size_t i) { return static_cast<uint8_t>(header[i]); };
  const size_t length = (size_t{byte(0)} << 16) | (size_t{byte(1)} << 8) | byte(2);
  frame.type = byte(3);
  frame.flags = byte(4);
  frame.stream = ((uint32_t{byte(5)} & 0x7f) << 24) | (uint32_t{byte(6)} << 16) |
                 (uint32_t{byte(7)} << 8) | byte(8);
  frame.payload = length > 0 ? client.readBytes(length, timeout) : std::string();
  frame.ok = frame.payload.size() == length;
  return frame;
}

H2Frame readH2FrameOfType(Client& client, uint8_t type, Millis timeout, int maxFrames) {
  for (int i = 0; i < maxFrames; ++i) {
    H2Frame frame = readH2Frame(client, timeout);
    if (!frame.ok || frame.type == type) {
      return frame;
    }
  }
  return {};
}

}  // namespace httpgate::test
