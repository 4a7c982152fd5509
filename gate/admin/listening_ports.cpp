#include "gate/admin/listening_ports.h"

#include <fstream>
#include <sstream>
#include <string>

namespace httpgate::gate {
namespace {

// The kernel's TCP_LISTEN state, as /proc/net/tcp writes it (hex).
constexpr const char* kListenState = "0A";

void addListening(const char* path, std::set<uint16_t>& ports) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);  // the header
  for (int count = 0; count < 1'000'000 && std::getline(file, line); ++count) {
    // "  0: 0100007F:1F90 00000000:0000 0A ..."
    std::istringstream fields(line);
    std::string slot;
    std::string local;
    std::string remote;
    std::string state;
    if (!(fields >> slot >> local >> remote >> state) || state != kListenState) {
      continue;
    }
    const size_t colon = local.rfind(':');
    if (colon == std::string::npos) {
      continue;
    }
    ports.insert(static_cast<uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16)));
  }
}

}  // namespace

std::set<uint16_t> listeningTcpPorts() {
  std::set<uint16_t> ports;
  addListening("/proc/net/tcp", ports);
  addListening("/proc/net/tcp6", ports);
  return ports;
}

}  // namespace httpgate::gate
