#include "gate/telemetry/status_board.h"

namespace httpgate::gate {

void StatusBoard::configLoaded(std::shared_ptr<const Config> config, int64_t atSeconds) {
  std::lock_guard lock(mutex_);
  // The first load is the start, not a reload.
  if (view_.configLoadedAtSeconds != 0) {
    view_.lastReload = ReloadRecord{atSeconds, true, ""};
  }
  view_.config = std::move(config);
  view_.configLoadedAtSeconds = atSeconds;
}

void StatusBoard::reloadFailed(const std::string& error, int64_t atSeconds) {
  std::lock_guard lock(mutex_);
  view_.lastReload = ReloadRecord{atSeconds, false, error};
}

void StatusBoard::appStartEnded(const std::string& app, bool ok, const std::string& message,
                                int64_t atSeconds) {
  std::lock_guard lock(mutex_);
  view_.appStarts[app] = AppStartRecord{atSeconds, ok, message};
}

StatusBoard::View StatusBoard::view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

StatusBoard& statusBoard() {
  static StatusBoard board;
  return board;
}

}  // namespace httpgate::gate
