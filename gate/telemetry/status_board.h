// What the status page shows that no counter holds: which configuration
// file runs since when, how the last reload went (its error text with
// file:line:column), and each app's last on-demand start. Written by the
// main thread and the app starter at reloads and starts (rare), read by
// the admin thread when someone looks: a mutex, never on a request's path.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gate/config/config.h"

namespace httpgate::gate {

struct ReloadRecord {
  int64_t atSeconds = 0;  // Unix time
  bool ok = false;
  std::string error;  // when !ok: as logged, "FILE:LINE:COL: key: ..."
};

struct AppStartRecord {
  int64_t atSeconds = 0;  // Unix time the start ended
  bool ok = false;
  std::string message;  // why it failed
};

class StatusBoard {
 public:
  struct View {
    std::shared_ptr<const Config> config;  // the running one (null before the start)
    int64_t configLoadedAtSeconds = 0;
    std::optional<ReloadRecord> lastReload;
    std::map<std::string, AppStartRecord> appStarts;  // by app name
  };

  void configLoaded(std::shared_ptr<const Config> config, int64_t atSeconds);
  void reloadFailed(const std::string& error, int64_t atSeconds);
  void appStartEnded(const std::string& app, bool ok, const std::string& message,
                     int64_t atSeconds);
  View view() const;

 private:
  mutable std::mutex mutex_;
  View view_;
};

// The process's board.
StatusBoard& statusBoard();

}  // namespace httpgate::gate
