// File and account checks of the loader: they look at the system as it is
// when the configuration is loaded (and again at every reload).
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "gate/config/config_sections.h"

namespace httpgate::gate::detail {

namespace {

[[noreturn]] void failRead(const ConfigValue& value, const std::string& path, int error) {
  value.fail("cannot read \"" + path + "\": " + std::strerror(error));
}

// Closes the descriptor on every path out.
class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens `path` for reading and checks that it is a regular file (a directory
// opens fine and fails only at read()).
int openRegular(const ConfigValue& value, const std::string& path, struct stat& info) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    failRead(value, path, errno);
  }
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    failRead(value, path, error);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    failRead(value, path, S_ISDIR(info.st_mode) ? EISDIR : EINVAL);
  }
  return fd;
}

}  // namespace

void checkReadable(const ConfigValue& value, const std::string& path) {
  struct stat info {};
  FileHandle file(openRegular(value, path, info));
}

std::string readSmallFile(const ConfigValue& value, const std::string& path, size_t maxBytes) {
  struct stat info {};
  FileHandle file(openRegular(value, path, info));
  if (static_cast<uint64_t>(info.st_size) > maxBytes) {
    value.fail("\"" + path + "\" is larger than " + std::to_string(maxBytes / 1024) + " KiB");
  }
  std::string content;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      failRead(value, path, errno);
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > maxBytes) {
      value.fail("\"" + path + "\" is larger than " + std::to_string(maxBytes / 1024) + " KiB");
    }
  }
  return content;
}

std::string checkUser(const ConfigValue& value, const std::string& name, bool allowRoot) {
  passwd entry{};
  passwd* found = nullptr;
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  int rc = 0;
  while ((rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
         ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr) {
    value.fail("unknown user \"" + name + "\"");
  }
  if (!allowRoot && (entry.pw_uid == 0 || entry.pw_gid == 0)) {
    // As httpGate: an application started by the gate never runs with uid or
    // gid 0.
    value.fail("must not be root (user \"" + name + "\" has uid or gid 0)");
  }
  return entry.pw_dir != nullptr ? entry.pw_dir : "";
}

}  // namespace httpgate::gate::detail
