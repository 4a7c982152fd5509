#include "tests/support/gate_process.h"

#include "tests/support/files.h"

namespace httpgate::test {
namespace {

// The contract's listener line.
const std::regex kListening(
    R"(listening on (\[[^\]]+\]|[0-9.]+):([0-9]+) \((tls|plain|redirect)\))");
const std::regex kReady(R"(\bready\b)");

}  // namespace

GateProcess::GateProcess(const TempDir& dir, std::string_view yaml, Millis readyTimeout,
                         const std::string& binary)
    : configPath_(dir.file("httpgate.yaml")) {
  writeFile(configPath_, yaml);
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      binary.empty() ? std::string(HTTPGATE_BINARY) : binary, "-c", configPath_});
  waitReady(readyTimeout);
}

GateProcess::GateProcess(const std::vector<std::string>& args, const std::string& cwd,
                         Millis readyTimeout) {
  std::vector<std::string> argv{HTTPGATE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(argv, cwd);
  waitReady(readyTimeout);
}

GateProcess::GateProcess(const TempDir& dir, std::string_view yaml,
                         const std::vector<std::string>& launcher, const SpawnOptions& spawn,
                         Millis readyTimeout)
    : configPath_(dir.file("httpgate.yaml")) {
  writeFile(configPath_, yaml);
  std::vector<std::string> argv;
  for (std::string arg : launcher) {
    for (const auto& [name, value] :
         {std::pair<std::string, std::string>{"{binary}", HTTPGATE_BINARY},
          {"{config}", configPath_}}) {
      for (size_t at = arg.find(name); at != std::string::npos;
           at = arg.find(name, at + value.size())) {
        arg.replace(at, name.size(), value);
      }
    }
    argv.push_back(arg);
  }
  process_ = std::make_unique<ChildProcess>(argv, spawn);
  waitReady(readyTimeout);
}

void GateProcess::waitReady(Millis timeout) {
  if (!process_->err().waitForLine(kReady, timeout)) {
    const std::optional<int> status = process_->waitExit(Millis{0});
    startError_ = status ? "the gate exited with status " + std::to_string(*status) +
                               " before logging \"ready\""
                         : "no \"ready\" line within " + std::to_string(timeout.count()) + " ms";
    startError_ += "; stderr:\n" + log();
    return;
  }
  for (const std::string& line : process_->err().lines()) {
    std::smatch match;
    if (std::regex_search(line, match, kListening)) {
      std::string host = match[1];
      if (host.size() > 2 && host.front() == '[') {
        host = host.substr(1, host.size() - 2);
      }
      listeners_.push_back(
          {host, static_cast<uint16_t>(std::stoi(match[2].str())), match[3].str()});
    }
  }
  if (listeners_.empty()) {
    startError_ = "\"ready\" but no \"listening on\" line; stderr:\n" + log();
    return;
  }
  ready_ = true;
}

uint16_t GateProcess::port(size_t i) const {
  return i < listeners_.size() ? listeners_[i].port : 0;
}

void GateProcess::rewriteConfig(std::string_view yaml) {
  replaceFile(configPath_, yaml);
}

std::optional<std::vector<std::string>> GateProcess::waitForLog(const std::regex& pattern,
                                                                Millis timeout, size_t from) const {
  return process_->err().waitForLine(pattern, timeout, from);
}

bool GateProcess::waitForLogCount(const std::regex& pattern, size_t count, Millis timeout,
                                  size_t from) const {
  return process_->err().waitForCount(pattern, count, timeout, from);
}

size_t GateProcess::countLog(const std::regex& pattern, size_t from) const {
  return process_->err().countLines(pattern, from);
}

}  // namespace httpgate::test
