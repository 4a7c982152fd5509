#include "gate/telemetry/slow_requests.h"

#include <algorithm>
#include <cstring>

namespace httpgate::gate {
namespace {

// Copies `text` into `out` (NUL-terminated, truncated); whether it was cut.
template <size_t N>
bool copyTruncated(std::string_view text, char (&out)[N]) {
  const size_t length = std::min(text.size(), N - 1);
  std::memcpy(out, text.data(), length);
  out[length] = '\0';
  return length < text.size();
}

bool faster(const SlowRequest& a, const SlowRequest& b) {
  return a.durationUs < b.durationUs;
}

}  // namespace

void SlowRequest::setRequest(std::string_view methodText, std::string_view target) {
  copyTruncated(methodText, method);
  pathTruncated = copyTruncated(target.substr(0, target.find('?')), path);
}

void keepSlowest(std::vector<SlowRequest>& requests, size_t keep) {
  std::stable_sort(requests.begin(), requests.end(),
                   [](const SlowRequest& a, const SlowRequest& b) { return faster(b, a); });
  if (requests.size() > keep) {
    requests.resize(keep);
  }
}

void SlowRequests::keep(const SlowRequest& request, int64_t nowSeconds) {
  std::lock_guard lock(mutex_);
  if (nowSeconds >= windowEnd_) {
    previous_ = current_;
    current_ = Window{};
    // Windows aligned to multiples of their length: every worker's end
    // together.
    current_.end = nowSeconds - nowSeconds % kWindowSeconds + kWindowSeconds;
    windowEnd_ = current_.end;
    threshold_ = 0;
  }
  if (current_.count < kKept) {
    current_.requests[current_.count++] = request;
  } else {
    auto fastest = std::min_element(current_.requests.begin(), current_.requests.end(), faster);
    if (fastest->durationUs >= request.durationUs) {
      return;  // wouldKeep() was true only because the window ended
    }
    *fastest = request;
  }
  if (current_.count == kKept) {
    threshold_ =
        std::min_element(current_.requests.begin(), current_.requests.end(), faster)->durationUs;
  }
}

std::vector<SlowRequest> SlowRequests::recent(int64_t nowSeconds) const {
  std::vector<SlowRequest> out;
  {
    std::lock_guard lock(mutex_);
    for (const Window* window : {&previous_, &current_}) {
      if (window->end > nowSeconds - kWindowSeconds) {
        out.insert(out.end(), window->requests.begin(),
                   window->requests.begin() + static_cast<ptrdiff_t>(window->count));
      }
    }
  }
  keepSlowest(out, kKept);
  return out;
}

}  // namespace httpgate::gate
