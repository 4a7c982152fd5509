#include "bench/client/tally.h"

#include <cstdio>

namespace httpgate::bench {

std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void Tally::record(const Connection& connection) {
  Failure failure = connection.failure();
  if (failure == Failure::None) {
    completed_.fetch_add(1, std::memory_order_relaxed);
    if (!haveFacts_) {
      std::lock_guard lock(mutex_);
      if (!haveFacts_) {
        facts_ = connection.tlsFacts();
        haveFacts_ = true;
      }
    }
    return;
  }
  failures_[static_cast<size_t>(failure)].fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (firstError_.empty()) {
    firstError_ = connection.error();
  }
}

uint64_t Tally::errors() const {
  uint64_t sum = 0;
  for (const auto& count : failures_) {
    sum += count.load();
  }
  return sum;
}

std::string Tally::jsonFields() const {
  std::lock_guard lock(mutex_);
  std::string out = "\"completed\":" + std::to_string(completed()) +
                    ",\"errors\":" + std::to_string(errors()) + ",\"errors_by_kind\":{";
  bool first = true;
  for (size_t kind = 1; kind < kKinds; ++kind) {
    out += first ? "" : ",";
    first = false;
    out += jsonString(failureName(static_cast<Failure>(kind))) + ":" +
           std::to_string(failures_[kind].load());
  }
  out += "},\"first_error\":" + jsonString(firstError_);
  out += ",\"protocol\":" + jsonString(facts_.protocol);
  out += ",\"cipher\":" + jsonString(facts_.cipher);
  out += ",\"group\":" + jsonString(facts_.group);
  out += ",\"alpn\":" + jsonString(facts_.alpn);
  return out;
}

}  // namespace httpgate::bench
