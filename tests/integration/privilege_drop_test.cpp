// Started as root with `user:`, the gate binds, loads its keys, and then
// every thread runs as that user with no supplementary group, before it
// reads from the network. The privileged start helper is the one process
// that stays root, and it holds no listening socket. The gate is started
// with supplementary groups of its own, which the drop must shed.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/proc_info.h"
#include "tests/support/supplementary_groups.h"

namespace httpgate::test {
namespace {

class PrivilegeDropTest : public GateTest {
 protected:
  Backend backend_;
};

TEST_F(PrivilegeDropTest, EveryThreadRunsUnprivilegedAndOnlyTheHelperStaysRoot) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root: the test starts the gate as root with `user: nobody`";
  }
  const passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr) {
    GTEST_SKIP() << "no user \"nobody\" on this machine";
  }
  const long uid = nobody->pw_uid;
  const long gid = nobody->pw_gid;
  {
    // A root started by a service manager has groups; the test's root may not.
    const SupplementaryGroups groups(kForeignGroups);
    ASSERT_TRUE(groups.ok()) << groups.error();
    ASSERT_NO_FATAL_FAILURE(startGate(
        standardGateYaml(cert_, backend_.port(), "", "user: nobody\nlog:\n  access: \"off\"\n")));
  }
  // It serves: the keys were read before the drop.
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/dropped")).status, 200);

  const pid_t pid = gate().pid();
  const std::vector<pid_t> threads = threadsOf(pid);
  EXPECT_GE(threads.size(), 3u) << "the main thread and two workers";
  for (pid_t thread : threads) {
    const std::string status =
        "/proc/" + std::to_string(pid) + "/task/" + std::to_string(thread) + "/status";
    const std::optional<ProcIds> ids = readIds(status);
    ASSERT_TRUE(ids) << status;
    EXPECT_EQ(ids->uids, std::vector<long>(4, uid)) << status;
    EXPECT_EQ(ids->gids, std::vector<long>(4, gid)) << status;
    EXPECT_TRUE(ids->groups.empty()) << status << ": supplementary groups are kept";
  }

  std::vector<pid_t> rootChildren;
  for (pid_t child : childrenOf(pid)) {
    const std::optional<ProcIds> ids = readIds("/proc/" + std::to_string(child) + "/status");
    if (ids && !ids->uids.empty() && ids->uids[1] == 0) {
      rootChildren.push_back(child);
    }
  }
  ASSERT_EQ(rootChildren.size(), 1u) << "exactly one root process: the start helper";
  // The helper was forked before the drop: it shows the groups the gate
  // started with, so the test did give it some to shed.
  const std::optional<ProcIds> helper =
      readIds("/proc/" + std::to_string(rootChildren[0]) + "/status");
  ASSERT_TRUE(helper);
  EXPECT_EQ(helper->groups, std::vector<long>(kForeignGroups.begin(), kForeignGroups.end()));
  const std::set<unsigned long> listening = listeningTcpInodes();
  for (unsigned long inode : socketInodes(rootChildren[0])) {
    EXPECT_EQ(listening.count(inode), 0u)
        << "the start helper holds listening socket inode " << inode;
  }
}

}  // namespace
}  // namespace httpgate::test
