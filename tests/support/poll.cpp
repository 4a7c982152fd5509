#include "tests/support/poll.h"

#include <thread>

namespace httpgate::test {

bool pollUntil(const std::function<bool()>& condition, Millis timeout, Millis interval) {
  const Deadline deadline(timeout);
  while (!deadline.expired()) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::min(interval, deadline.remaining()));
  }
  return condition();
}

}  // namespace httpgate::test
