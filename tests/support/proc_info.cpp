#include "tests/support/proc_info.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

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

// The fields of /proc/PID/stat the tests look at.
struct Stat {
  char state = '?';  // R, S, D, Z (zombie), ...
  pid_t parent = -1;
  pid_t group = -1;
};

std::optional<Stat> readStat(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) {
    return std::nullopt;
  }
  // "PID (COMM) STATE PPID PGRP ...": COMM may hold spaces; parse after ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream rest(line.substr(close + 1));
  Stat stat;
  if (!(rest >> stat.state >> stat.parent >> stat.group)) {
    return std::nullopt;
  }
  return stat;
}

// Every process's stat, by pid (processes that end meanwhile are left out).
std::vector<std::pair<pid_t, Stat>> allStats() {
  std::vector<std::pair<pid_t, Stat>> result;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    const std::string name = entry.path().filename();
    if (!isNumber(name)) {
      continue;
    }
    if (const std::optional<Stat> stat = readStat(entry.path() / "stat")) {
      result.emplace_back(std::stoi(name), *stat);
    }
  }
  return result;
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
  for (const auto& [child, stat] : allStats()) {
    if (stat.parent == pid) {
      result.push_back(child);
    }
  }
  return result;
}

std::vector<pid_t> liveChildrenOf(pid_t pid) {
  std::vector<pid_t> result;
  for (const auto& [child, stat] : allStats()) {
    if (stat.parent == pid && stat.state != 'Z') {
      result.push_back(child);
    }
  }
  return result;
}

std::vector<pid_t> processGroupMembers(pid_t group) {
  std::vector<pid_t> result;
  for (const auto& [member, stat] : allStats()) {
    if (stat.group == group && stat.state != 'Z') {
      result.push_back(member);
    }
  }
  return result;
}

bool processGone(pid_t pid) {
  const std::optional<Stat> stat = readStat("/proc/" + std::to_string(pid) + "/stat");
  return !stat || stat->state == 'Z';
}

std::optional<char> processState(pid_t pid) {
  const std::optional<Stat> stat = readStat("/proc/" + std::to_string(pid) + "/stat");
  return stat ? std::optional<char>(stat->state) : std::nullopt;
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
