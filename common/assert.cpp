#include "common/assert.h"

#if defined(HTTPGATE_ASSERTIONS)

#include <cstdio>
#include <cstdlib>

namespace httpgate::detail {

void assertionFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace httpgate::detail

#endif
