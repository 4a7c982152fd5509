// One number for the outcome of a head parse, so that tables of cases read
// well: kNeedMore, kDone, or the error status.
#pragma once

#include "common/http/parse_result.h"

namespace httpgate::http {

constexpr int kNeedMore = 0;
constexpr int kDone = 200;

inline int outcomeOf(const ParseResult& r) {
  switch (r.status) {
    case ParseStatus::NeedMore:
      return kNeedMore;
    case ParseStatus::Done:
      return kDone;
    case ParseStatus::Error:
      return r.errorStatus;
  }
  return -1;
}

}  // namespace httpgate::http
