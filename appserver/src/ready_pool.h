// The parent's side of the pool model: the session processes forked in
// advance, each joined to the parent by a channel (handoff.h), oldest
// first; which one gets the next visitor; how many to keep, growing after
// the pool ran dry and shrinking back when it did not for a while.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <vector>

#include "httpgate/appserver.h"

namespace httpgate::appserver::detail {

class ReadyPool {
 public:
  using Clock = std::chrono::steady_clock;

  ReadyPool(const PoolOptions& options, Clock::time_point now);
  ~ReadyPool();
  ReadyPool(const ReadyPool&) = delete;
  ReadyPool& operator=(const ReadyPool&) = delete;

  // Processes alive or not yet reaped: they count against maxSessions.
  size_t processes() const { return entries_.size(); }
  // When the next ready process is to be forked: fewer live ones than the
  // target and no failed start in the last second; a moment after the last
  // hand-off unless the pool is down to less than half its target, so that
  // the fork (a copy of the parent's page tables) does not compete for the
  // CPU with the session answering its visitor. Clock::time_point::max()
  // when the pool is full.
  Clock::time_point refillAt() const;
  unsigned target() const { return target_; }

  // A process just forked, with the parent's end of its channel.
  void add(pid_t pid, int channel);
  // Every channel the parent holds: a forked child closes them all but its own.
  std::vector<int> channels() const;

  // One pollfd per live channel (reports and closes) appended to `fds`.
  void watch(std::vector<pollfd>& fds) const;
  // After poll(): reads the reports of the channels from fds[first] on.
  void readReports(const std::vector<pollfd>& fds, size_t first, Clock::time_point now);

  // Hands accepted `fd` to the oldest process that reported ready, else
  // (the pool ran dry: the target grows) to the oldest still getting
  // ready; its pid (the caller closes fd and counts a session), or -1 when
  // the pool has no process at all.
  pid_t handOff(int fd, Clock::time_point now);
  // A ready process could not be started (fork or socketpair failed): no
  // more attempts for a moment.
  void failedStart(Clock::time_point now) { pausedUntil_ = now + kPauseAfterFailure; }
  // A reaped child: true (and forgotten) if it was one of the pool's.
  bool forget(pid_t pid);
  // Retires the newest processes above the target after a quiet while;
  // returns how many.
  size_t shrink(Clock::time_point now);
  // Closes every channel (each ready process exits when it sees that);
  // returns their pids, still to be reaped.
  std::vector<pid_t> retireAll();
  // When shrink() next has something to do, for the loop's wait.
  Clock::time_point nextShrink() const { return lastDry_ + kShrinkAfter; }

 private:
  static constexpr std::chrono::seconds kShrinkAfter{10};
  static constexpr std::chrono::seconds kPauseAfterFailure{1};
  static constexpr std::chrono::milliseconds kSettle{3};

  struct Entry {
    pid_t pid;
    int channel;         // -1 once closed (the process ends)
    bool ready = false;  // reported its port bound and its id made
  };
  void close(Entry& entry);
  pid_t sendToOldest(int fd, Clock::time_point now, bool readyOnly);
  size_t live() const;

  const PoolOptions& options_;
  std::deque<Entry> entries_;  // in fork order: the oldest is handed out first
  unsigned target_;
  Clock::time_point lastDry_;      // the pool last ran dry (or shrank)
  Clock::time_point pausedUntil_;  // a process could not bind a port
  Clock::time_point lastHandOff_;
  Clock::time_point lastDryLog_;
};

}  // namespace httpgate::appserver::detail
