// Header-field lists kept for the next exchange. An exchange is made fresh
// for each request, but the vector its response head is parsed into would
// then grow from nothing every time (four allocations for a small head);
// the worker keeps the emptied vectors of ended exchanges and lends them to
// new ones, so that a keep-alive request parses into capacity it already has.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "common/http/message.h"

namespace httpgate::gate {

class FieldListCache {
 public:
  // Vectors beyond these are freed: the cache holds what the busiest
  // moment of ordinary traffic needs, not what one huge head left behind.
  static constexpr size_t kMaxKept = 128;
  static constexpr size_t kMaxCapacity = 64;

  std::vector<http::HeaderField> take() {
    if (spare_.empty()) {
      return {};
    }
    std::vector<http::HeaderField> fields = std::move(spare_.back());
    spare_.pop_back();
    return fields;
  }

  void give(std::vector<http::HeaderField> fields) {
    if (fields.capacity() == 0 || fields.capacity() > kMaxCapacity || spare_.size() >= kMaxKept) {
      return;
    }
    fields.clear();
    spare_.push_back(std::move(fields));
  }

  size_t kept() const { return spare_.size(); }

 private:
  std::vector<std::vector<http::HeaderField>> spare_;
};

}  // namespace httpgate::gate
