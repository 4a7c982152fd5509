// A private directory for one test's files (config, certificates, logs),
// made with mkdtemp and removed with everything in it at the end.
#pragma once

#include <string>
#include <string_view>

namespace httpgate::test {

class TempDir {
 public:
  // Creates $TMPDIR/httpgate-it-XXXXXX (or under /tmp); throws on failure.
  TempDir();
  // Removes the directory, unless HTTPGATE_IT_KEEP is set (for post-mortems).
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string file(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace httpgate::test
