#include "tests/support/supplementary_groups.h"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace httpgate::test {

SupplementaryGroups::SupplementaryGroups(const std::vector<gid_t>& groups) {
  const int count = getgroups(0, nullptr);
  if (count < 0) {
    error_ = std::string("getgroups: ") + std::strerror(errno);
    return;
  }
  saved_.resize(static_cast<size_t>(count));
  if (getgroups(count, saved_.data()) != count) {
    error_ = std::string("getgroups: ") + std::strerror(errno);
    return;
  }
  if (setgroups(groups.size(), groups.data()) != 0) {
    error_ = std::string("setgroups: ") + std::strerror(errno);
    return;
  }
  ok_ = true;
}

SupplementaryGroups::~SupplementaryGroups() {
  if (ok_) {
    setgroups(saved_.size(), saved_.data());
  }
}

std::vector<long> groupsOfUser(const std::string& user, gid_t gid) {
  // Grows the list until getgrouplist() says it fits (bounded: it never
  // needs more than NGROUPS_MAX entries).
  std::vector<gid_t> groups(16);
  int count = static_cast<int>(groups.size());
  for (int attempt = 0; attempt < 8; ++attempt) {
    count = static_cast<int>(groups.size());
    if (getgrouplist(user.c_str(), gid, groups.data(), &count) >= 0) {
      break;
    }
    groups.resize(static_cast<size_t>(count) + 16);
  }
  std::vector<long> result(groups.begin(), groups.begin() + std::min<size_t>(count, groups.size()));
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

}  // namespace httpgate::test
