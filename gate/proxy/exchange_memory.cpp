// Exchange::operator new and delete. An exchange is made and destroyed for
// every request, always on its worker's thread; each thread keeps the
// blocks of its ended exchanges (block_cache.h) and hands them to the next
// ones, so that a keep-alive request costs no trip through malloc for its
// exchange.
#include <new>

#include "gate/proxy/block_cache.h"
#include "gate/proxy/exchange.h"

namespace httpgate::gate {
namespace {

thread_local BlockCache exchangeBlocks;

}  // namespace

void* Exchange::operator new(size_t size) {
  // Only whole exchanges come here (the class is final), all of one size.
  if (size == sizeof(Exchange)) {
    if (void* block = exchangeBlocks.take()) {
      return block;
    }
  }
  return ::operator new(size);
}

void Exchange::operator delete(void* block, size_t size) {
  if (block == nullptr) {
    return;
  }
  if (size != sizeof(Exchange) || !exchangeBlocks.keep(block)) {
    ::operator delete(block);
  }
}

}  // namespace httpgate::gate
