// Memory blocks of one size kept for reuse by one thread: an object made
// and destroyed for every request (Exchange) takes the block of one that
// ended instead of a trip through malloc. Bounded: blocks beyond kMaxKept
// go back to the allocator, and all of them when the cache ends.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace httpgate::gate {

class BlockCache {
 public:
  static constexpr size_t kMaxKept = 128;

  BlockCache() = default;
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;
  ~BlockCache() {
    for (void* block : blocks_) {
      ::operator delete(block);
    }
  }

  // A kept block, or null when none is left.
  void* take() {
    if (blocks_.empty()) {
      return nullptr;
    }
    void* block = blocks_.back();
    blocks_.pop_back();
    return block;
  }

  // Keeps `block` (from ::operator new) for a later take(); false when the
  // cache is full and the caller must free it.
  bool keep(void* block) {
    if (blocks_.size() >= kMaxKept) {
      return false;
    }
    blocks_.push_back(block);
    return true;
  }

  size_t kept() const { return blocks_.size(); }

 private:
  std::vector<void*> blocks_;
};

}  // namespace httpgate::gate
