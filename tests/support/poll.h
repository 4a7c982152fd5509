// Waiting for a state that no log line or event announces (what /proc says
// about processes): the condition is checked again and again, bounded.
#pragma once

#include <functional>

#include "tests/support/deadline.h"

namespace httpgate::test {

// Calls `condition` every `interval` until it holds (true) or `timeout`
// has passed (false); it is called at least once, and once more at the end.
bool pollUntil(const std::function<bool()>& condition, Millis timeout,
               Millis interval = Millis{10});

}  // namespace httpgate::test
