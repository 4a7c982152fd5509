#include "tests/support/proc_info.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace httpgate::test {
namespace {

std::vector<long> numbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<long> result;
  for (long value = 0; in >> value;) {
    result.push_back(value);
  }
  return result;
}

bool isNumber(const std::string& name) {
  return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::optional<ProcIds> readIds(const std::string& statusPath) {
  std::ifstream in(statusPath);
  if (!in) {
    return std::nullopt;
  }
  ProcIds ids;
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    const std::string name = line.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (name == "Uid") {
      ids.uids = numbers(rest);
    } else if (name == "Gid") {
      ids.gids = numbers(rest);
    } else if (name == "Groups") {
      ids.groups = numbers(rest);
    }
  }
  return ids;
}

std::optional<long> rssAnonKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("RssAnon:", 0) == 0) {
      return std::stol(line.substr(8));
    }
  }
  return std::nullopt;
}

std::vector<pid_t> threadsOf(pid_t pid) {
  std::vector<pid_t> result;
  std::error_code ignored;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ignored)) {
    const std::string name = entry.path().filename();
    if (isNumber(name)) {
      result.push_back(std::stoi(name));
    }
  }
  return result;
}

std::vector<pid_t> childrenOf(pid_t pid) {
  std::vector<pid_t> result;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    const std::string name = entry.path().filename();
    if (!isNumber(name)) {
      continue;
    }
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    // "PID (COMM) STATE PPID ...": COMM may hold spaces; parse after ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t parent = -1;
    if (rest >> state >> parent && parent == pid) {
      result.push_back(std::stoi(name));
    }
  }
  return result;
}

std::set<unsigned long> socketInodes(pid_t pid) {
  std::set<unsigned long> result;
  std::error_code ignored;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ignored)) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error);
    if (!error && target.rfind("socket:[", 0) == 0) {
      result.insert(std::stoul(target.substr(8)));
    }
  }
  return result;
}

std::set<unsigned long> listeningTcpInodes() {
  std::set<unsigned long> result;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the heading
    while (std::getline(in, line)) {
      // sl local remote st tx:rx tr:when retrnsmt uid timeout inode
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout;
      unsigned long inode = 0;
      if (fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
              timeout >> inode &&
          state == "0A") {  // TCP_LISTEN
        result.insert(inode);
      }
    }
  }
  return result;
}

}  // namespace httpgate::test
