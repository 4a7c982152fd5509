// A fixed-capacity linear byte buffer, the unit of per-connection memory.
// Bytes are appended at the end and consumed from the front; when the front
// is consumed entirely both ends go back to zero, and compact() moves a
// partial remainder down so a message head is always contiguous (the parsers
// need that). Blocks come from a per-worker BufferPool and go back to it as
// soon as the buffer is empty, so an idle connection holds no buffer at all.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace httpgate::gate {

class BufferPool;

class Buffer {
 public:
  Buffer() = default;
  ~Buffer() { release(); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // Takes a block from `pool` if the buffer has none. Returns false when the
  // allocation failed.
  bool acquire(BufferPool& pool);
  // Gives the block back to its pool; only valid to call when empty() or when
  // the connection is closing (the bytes are dropped).
  void release();

  bool allocated() const { return data_ != nullptr; }
  bool empty() const { return begin_ == end_; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return capacity_; }
  bool full() const { return begin_ == 0 && end_ == capacity_; }

  const char* data() const { return data_ + begin_; }
  std::string_view view() const { return {data_ + begin_, end_ - begin_}; }

  // Room at the end for the next read; compacts first if the front has been
  // consumed and the end is near the capacity.
  char* writePtr() {
    if (end_ == capacity_ && begin_ > 0) {
      compact();
    }
    return data_ + end_;
  }
  size_t writable() const { return capacity_ - end_; }
  void commit(size_t n) { end_ += n; }

  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }
  void clear() { begin_ = end_ = 0; }

  // Moves the unconsumed bytes to the start of the block.
  void compact() {
    if (begin_ > 0) {
      std::memmove(data_, data_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
  }

 private:
  char* data_ = nullptr;
  BufferPool* pool_ = nullptr;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

// A per-worker free list of equally sized blocks (one size per pool; a block
// of another size, left from before a reload, is freed instead of kept).
// Not thread-safe: each worker owns its pool.
class BufferPool {
 public:
  explicit BufferPool(size_t blockSize, size_t maxFree = 256);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  size_t blockSize() const { return blockSize_; }
  void setBlockSize(size_t size);

  char* take(size_t& capacity);
  void give(char* block, size_t capacity);

 private:
  size_t blockSize_;
  size_t maxFree_;
  struct FreeBlock {
    FreeBlock* next;
  };
  FreeBlock* free_ = nullptr;
  size_t freeCount_ = 0;
};

}  // namespace httpgate::gate
