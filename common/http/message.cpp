#include "common/http/message.h"

#include <utility>

namespace httpgate::http {

void RequestHead::clear() {
  // Keep the vector's capacity: a connection parses one head after another.
  std::vector<HeaderField> keep = std::move(headers);
  keep.clear();
  *this = RequestHead{};
  headers = std::move(keep);
}

void ResponseHead::clear() {
  std::vector<HeaderField> keep = std::move(headers);
  keep.clear();
  *this = ResponseHead{};
  headers = std::move(keep);
}

}  // namespace httpgate::http
