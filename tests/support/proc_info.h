// What /proc says about a process: its threads' credentials, its anonymous
// memory, its children and process group, and which of its descriptors are listening TCP
// sockets.
#pragma once

#include <sys/types.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace httpgate::test {

// The Uid:, Gid: (real, effective, saved, filesystem) and Groups: lines of
// a /proc/.../status file.
struct ProcIds {
  std::vector<long> uids;
  std::vector<long> gids;
  std::vector<long> groups;
};
std::optional<ProcIds> readIds(const std::string& statusPath);

// The RssAnon: line of /proc/PID/status in KiB (the process's resident
// anonymous memory: heap, stacks); nullopt when the process is gone.
std::optional<long> rssAnonKib(pid_t pid);

// The thread ids of `pid` (its /proc/PID/task entries).
std::vector<pid_t> threadsOf(pid_t pid);
// The processes whose parent is `pid`.
std::vector<pid_t> childrenOf(pid_t pid);
// The same without zombies (children that exited and are not reaped yet).
std::vector<pid_t> liveChildrenOf(pid_t pid);
// The live (not zombie) processes in process group `group`.
std::vector<pid_t> processGroupMembers(pid_t group);
// Whether `pid` has ended: it is gone from /proc or a zombie.
bool processGone(pid_t pid);
// The state letter of /proc/PID/stat (R running, S sleeping, Z zombie, ...).
std::optional<char> processState(pid_t pid);
// The inodes of the sockets `pid` holds open.
std::set<unsigned long> socketInodes(pid_t pid);
// The inodes of every listening TCP socket (IPv4 and IPv6) of the host.
std::set<unsigned long> listeningTcpInodes();

}  // namespace httpgate::test
