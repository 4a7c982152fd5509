// HTTPGATE_ASSERT(condition): an invariant the code relies on, said in the
// code. Checked when the build defines HTTPGATE_ASSERTIONS (Debug builds and
// every build with the test suite, see CMakeLists.txt), where a violation
// prints the condition and its place and aborts, so that a test sees the
// broken state where it arises instead of its consequences later. Compiled
// out otherwise: the condition is not evaluated at all.
#pragma once

#if defined(HTTPGATE_ASSERTIONS)

namespace httpgate::detail {

[[noreturn]] void assertionFailed(const char* condition, const char* file, int line);

}  // namespace httpgate::detail

#define HTTPGATE_ASSERT(condition)    \
  ((condition) ? static_cast<void>(0) \
               : ::httpgate::detail::assertionFailed(#condition, __FILE__, __LINE__))

#else

#define HTTPGATE_ASSERT(condition) static_cast<void>(0)

#endif
