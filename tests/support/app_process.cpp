#include "tests/support/app_process.h"

#include <signal.h>

#include <algorithm>

namespace httpgate::test {

AppProcess::AppProcess(const std::string& binary, std::vector<std::string> args, Millis timeout) {
  std::vector<std::string> argv{"/usr/bin/setsid", binary};
  if (std::find(args.begin(), args.end(), "--port") == args.end()) {
    argv.push_back("--port");
    argv.push_back("0");
  }
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(argv);
  const auto line = process_->err().waitForLine(
      std::regex(R"(appserver: listening on [0-9.:\[\]a-f]*:([0-9]+) )"), timeout);
  if (line) {
    port_ = static_cast<uint16_t>(std::stoi((*line)[1]));
  }
}

AppProcess::~AppProcess() {
  // setsid made the parent a process group leader; session children stay
  // in its group.
  ::kill(-process_->pid(), SIGKILL);
  process_->waitExit(Millis{5000});
}

std::optional<SessionUrl> parseSessionUrl(const std::string& location) {
  static const std::regex standAlone(R"(^http://[^/]*:([0-9]+)(/([0-9a-f]{32})~)/$)");
  static const std::regex behindGate(R"(^https?://[^/]*(/([0-9]+)/([0-9a-f]{32})~)/$)");
  std::smatch match;
  SessionUrl url;
  if (std::regex_match(location, match, standAlone)) {
    url.port = static_cast<uint16_t>(std::stoi(match[1]));
    url.prefix = match[2];
    url.id = match[3];
    return url;
  }
  if (std::regex_match(location, match, behindGate)) {
    url.port = static_cast<uint16_t>(std::stoi(match[2]));
    url.prefix = match[1];
    url.id = match[3];
    return url;
  }
  return std::nullopt;
}

}  // namespace httpgate::test
