#include "tests/support/chromium.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace httpgate::test {

std::string chromiumPath() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) {
      return path;
    }
  }
  return {};
}

std::vector<std::string> headlessChromium(const std::string& chromium, const std::string& profile) {
  return {chromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--user-data-dir=" + profile,
          "--ignore-certificate-errors"};
}

void killProcessesWith(const std::string& marker) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) {
    return;
  }
  for (int count = 0; count < 1'000'000; ++count) {
    dirent* entry = readdir(proc);
    if (entry == nullptr) {
      break;
    }
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || pid == getpid()) {
      continue;
    }
    std::ifstream in("/proc/" + std::string(entry->d_name) + "/cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (cmdline.find(marker) != std::string::npos) {
      kill(pid, SIGKILL);
    }
  }
  closedir(proc);
}

}  // namespace httpgate::test
