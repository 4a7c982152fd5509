// Text a child process writes (its stderr), collected by a reader thread and
// read by the test thread. Waiting for a line is how tests synchronize with
// the gate: no sleeps.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/deadline.h"

namespace httpgate::test {

class LogBuffer {
 public:
  void append(std::string_view data);
  // The writer is gone: no more text will come, waiters stop waiting.
  void close();

  std::string text() const;
  size_t size() const;
  // Complete lines (and the last partial one once closed) starting at or
  // after byte offset `from`, without their newline.
  std::vector<std::string> lines(size_t from = 0) const;
  size_t countLines(const std::regex& pattern, size_t from = 0) const;

  // Waits up to `timeout` for a line at or after `from` matching `pattern`
  // (std::regex_search); returns its sub-matches ([0] is the whole match),
  // or nullopt on timeout or when the writer closed without one.
  std::optional<std::vector<std::string>> waitForLine(const std::regex& pattern, Millis timeout,
                                                      size_t from = 0) const;
  // Waits until at least `count` lines at or after `from` match.
  bool waitForCount(const std::regex& pattern, size_t count, Millis timeout, size_t from = 0) const;
  // Waits up to `timeout` for the writer to close; true once it has.
  bool waitClosed(Millis timeout) const;

 private:
  std::vector<std::string> linesLocked(size_t from) const;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string text_;
  bool closed_ = false;
};

}  // namespace httpgate::test
