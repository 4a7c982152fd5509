#include <cstdlib>

#include "gate/net/buffer.h"

namespace httpgate::gate {

bool Buffer::acquire(BufferPool& pool) {
  if (data_ != nullptr) {
    return true;
  }
  data_ = pool.take(capacity_);
  if (data_ == nullptr) {
    return false;
  }
  pool_ = &pool;
  begin_ = end_ = 0;
  return true;
}

void Buffer::release() {
  if (data_ != nullptr) {
    pool_->give(data_, capacity_);
    data_ = nullptr;
    pool_ = nullptr;
    capacity_ = begin_ = end_ = 0;
  }
}

BufferPool::BufferPool(size_t blockSize, size_t maxFree)
    : blockSize_(blockSize), maxFree_(maxFree) {}

BufferPool::~BufferPool() {
  while (free_ != nullptr) {
    FreeBlock* next = free_->next;
    std::free(free_);
    free_ = next;
  }
}

void BufferPool::setBlockSize(size_t size) {
  if (size == blockSize_) {
    return;
  }
  // Blocks of the old size are freed when they come back (see give()).
  while (free_ != nullptr) {
    FreeBlock* next = free_->next;
    std::free(free_);
    free_ = next;
  }
  freeCount_ = 0;
  blockSize_ = size;
}

char* BufferPool::take(size_t& capacity) {
  capacity = blockSize_;
  if (free_ != nullptr) {
    FreeBlock* block = free_;
    free_ = block->next;
    --freeCount_;
    return reinterpret_cast<char*>(block);
  }
  return static_cast<char*>(std::malloc(blockSize_));
}

void BufferPool::give(char* block, size_t capacity) {
  if (capacity != blockSize_ || freeCount_ >= maxFree_) {
    std::free(block);
    return;
  }
  auto* freeBlock = reinterpret_cast<FreeBlock*>(block);
  freeBlock->next = free_;
  free_ = freeBlock;
  ++freeCount_;
}

}  // namespace httpgate::gate
