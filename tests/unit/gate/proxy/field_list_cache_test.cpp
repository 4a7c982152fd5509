// FieldListCache: what an ended exchange gives back is lent, emptied and
// with its capacity, to the next one; what is too big or too many is freed.
#include "gate/proxy/field_list_cache.h"

#include <gtest/gtest.h>

namespace httpgate::gate {
namespace {

std::vector<http::HeaderField> fieldsOf(size_t count) {
  std::vector<http::HeaderField> fields(count);
  for (auto& field : fields) {
    field.name = "X-Test";
    field.value = "1";
  }
  return fields;
}

TEST(FieldListCache, AGivenListIsLentAgainEmptyWithItsCapacity) {
  FieldListCache cache;
  EXPECT_EQ(cache.take().capacity(), 0u);  // nothing kept yet
  std::vector<http::HeaderField> fields = fieldsOf(10);
  const size_t capacity = fields.capacity();
  const http::HeaderField* storage = fields.data();
  cache.give(std::move(fields));
  EXPECT_EQ(cache.kept(), 1u);
  std::vector<http::HeaderField> lent = cache.take();
  EXPECT_TRUE(lent.empty());  // no field of the last response is left
  EXPECT_EQ(lent.capacity(), capacity);
  EXPECT_EQ(lent.data(), storage);  // the same memory, not a copy
  EXPECT_EQ(cache.kept(), 0u);
}

TEST(FieldListCache, ListsThatHoldNothingOrTooMuchAreNotKept) {
  FieldListCache cache;
  cache.give({});
  cache.give(fieldsOf(FieldListCache::kMaxCapacity + 1));
  EXPECT_EQ(cache.kept(), 0u);
  cache.give(fieldsOf(FieldListCache::kMaxCapacity));
  EXPECT_EQ(cache.kept(), 1u);
}

TEST(FieldListCache, KeepsAtMostItsBound) {
  FieldListCache cache;
  for (size_t i = 0; i < FieldListCache::kMaxKept + 10; ++i) {
    cache.give(fieldsOf(4));
  }
  EXPECT_EQ(cache.kept(), FieldListCache::kMaxKept);
}

}  // namespace
}  // namespace httpgate::gate
