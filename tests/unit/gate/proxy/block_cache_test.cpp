// BlockCache: a kept block is lent once, and the cache is bounded.
#include "gate/proxy/block_cache.h"

#include <gtest/gtest.h>

namespace httpgate::gate {
namespace {

TEST(BlockCache, AKeptBlockIsLentOnceAndOnlyOnce) {
  BlockCache cache;
  EXPECT_EQ(cache.take(), nullptr);
  void* first = ::operator new(64);
  void* second = ::operator new(64);
  ASSERT_TRUE(cache.keep(first));
  ASSERT_TRUE(cache.keep(second));
  void* a = cache.take();
  void* b = cache.take();
  // Two live objects never share a block.
  EXPECT_NE(a, b);
  EXPECT_TRUE((a == first && b == second) || (a == second && b == first));
  EXPECT_EQ(cache.take(), nullptr);
  EXPECT_EQ(cache.kept(), 0u);
  ::operator delete(first);  // the blocks made here, whatever was lent
  ::operator delete(second);
}

TEST(BlockCache, AFullCacheRefusesAndTheCallerFrees) {
  BlockCache cache;
  for (size_t i = 0; i < BlockCache::kMaxKept; ++i) {
    ASSERT_TRUE(cache.keep(::operator new(16)));
  }
  void* extra = ::operator new(16);
  EXPECT_FALSE(cache.keep(extra));
  ::operator delete(extra);
  EXPECT_EQ(cache.kept(), BlockCache::kMaxKept);
}  // the cache frees what it kept (ASan/valgrind would report a leak)

}  // namespace
}  // namespace httpgate::gate
