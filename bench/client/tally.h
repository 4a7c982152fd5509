// Counts of completed exchanges and of failures by kind, shared by the
// threads of a mode, and their JSON form.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "bench/client/connection.h"

namespace httpgate::bench {

class Tally {
 public:
  // Records one connection's outcome; `connection` gives the error text
  // of the first failure and the TLS facts of the first success.
  void record(const Connection& connection);

  uint64_t completed() const { return completed_.load(); }
  uint64_t errors() const;

  // `"completed":N,"errors":N,"errors_by_kind":{...},"first_error":"...",
  // "protocol":...,"cipher":...,"group":...,"alpn":...` without braces, to be put
  // into a mode's JSON object.
  std::string jsonFields() const;

 private:
  static constexpr size_t kKinds = 6;
  std::atomic<uint64_t> completed_{0};
  std::array<std::atomic<uint64_t>, kKinds> failures_{};
  mutable std::mutex mutex_;
  std::string firstError_;
  std::atomic<bool> haveFacts_{false};
  TlsFacts facts_;
};

// `text` as a JSON string literal, quotes included.
std::string jsonString(const std::string& text);

}  // namespace httpgate::bench
