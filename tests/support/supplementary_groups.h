// Supplementary groups for the processes a test starts. A root test process
// runs with none, so "the gate kept no supplementary group" would hold
// whether or not the gate clears them; tests of the privilege drop give the
// test process some first, and every process it starts meanwhile inherits
// them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace httpgate::test {

// Groups no service user belongs to on Debian: adm and cdrom.
inline const std::vector<gid_t> kForeignGroups{4, 24};

// Sets the test process's supplementary groups to `groups` (which needs
// root) for its lifetime; the destructor puts the old list back. glibc
// applies setgroups() to every thread, so a child spawned from any thread
// inherits the list.
class SupplementaryGroups {
 public:
  explicit SupplementaryGroups(const std::vector<gid_t>& groups);
  ~SupplementaryGroups();
  SupplementaryGroups(const SupplementaryGroups&) = delete;
  SupplementaryGroups& operator=(const SupplementaryGroups&) = delete;

  // Whether the groups were set; error() says why not.
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  std::vector<gid_t> saved_;
  bool ok_ = false;
  std::string error_;
};

// The supplementary groups `user` gets from initgroups(3) with its primary
// group `gid`, sorted (as /proc/PID/status lists them).
std::vector<long> groupsOfUser(const std::string& user, gid_t gid);

}  // namespace httpgate::test
