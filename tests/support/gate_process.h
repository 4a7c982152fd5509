// The gate under test: HTTPGATE_BINARY started with `-c FILE` on a YAML
// config the test wrote. It learns the ephemeral ports from the
// "listening on ADDR:PORT (kind)" lines, waits (bounded) for "ready", and
// kills the process in its destructor if it still runs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {

struct GateListener {
  std::string host;  // "127.0.0.1" or "::1" (brackets removed)
  uint16_t port = 0;
  std::string kind;  // "tls", "plain" or "redirect"
};

class GateProcess {
 public:
  // Writes `yaml` to dir/httpgate.yaml (nothing substituted), starts the
  // gate (`binary`, HTTPGATE_BINARY when empty) on it and waits up to
  // `readyTimeout` for its "ready" line. Check ready(); on failure
  // startError() says why.
  GateProcess(const TempDir& dir, std::string_view yaml, Millis readyTimeout = Millis{10'000},
              const std::string& binary = "");
  // Starts the gate with the command-line arguments `args` (the binary is
  // added in front) in directory `cwd`, and waits for "ready" as above.
  GateProcess(const std::vector<std::string>& args, const std::string& cwd,
              Millis readyTimeout = Millis{10'000});
  // Writes `yaml` as above and runs `launcher` (argv; "{binary}" and
  // "{config}" in it are replaced by the gate's binary and the config
  // path), started with `spawn`; waits for "ready" as above.
  GateProcess(const TempDir& dir, std::string_view yaml, const std::vector<std::string>& launcher,
              const SpawnOptions& spawn, Millis readyTimeout = Millis{10'000});

  bool ready() const { return ready_; }
  const std::string& startError() const { return startError_; }

  // The i-th listener in config order (0 if there is no such listener).
  uint16_t port(size_t i) const;
  const std::vector<GateListener>& listeners() const { return listeners_; }
  const std::string& configPath() const { return configPath_; }

  // Atomically replaces the config file (for SIGHUP reloads).
  void rewriteConfig(std::string_view yaml);
  void sendSignal(int signal) { process_->sendSignal(signal); }
  std::optional<int> waitExit(Millis timeout) { return process_->waitExit(timeout); }
  pid_t pid() const { return process_->pid(); }

  // The gate's stderr so far.
  std::string log() const { return process_->err().text(); }
  size_t logSize() const { return process_->err().size(); }
  // A line of stderr at or after byte `from` matching `pattern`, waited for.
  std::optional<std::vector<std::string>> waitForLog(const std::regex& pattern, Millis timeout,
                                                     size_t from = 0) const;
  bool waitForLogCount(const std::regex& pattern, size_t count, Millis timeout,
                       size_t from = 0) const;
  size_t countLog(const std::regex& pattern, size_t from = 0) const;

 private:
  void waitReady(Millis timeout);

  std::string configPath_;
  std::unique_ptr<ChildProcess> process_;
  std::vector<GateListener> listeners_;
  bool ready_ = false;
  std::string startError_;
};

}  // namespace httpgate::test
