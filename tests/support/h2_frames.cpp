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
