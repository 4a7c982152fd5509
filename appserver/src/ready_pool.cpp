#include "appserver/src/ready_pool.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "appserver/src/handoff.h"
#include "appserver/src/log.h"

namespace httpgate::appserver::detail {

ReadyPool::ReadyPool(const PoolOptions& options, Clock::time_point now)
    : options_(options), target_(options.ready), lastDry_(now) {}

ReadyPool::~ReadyPool() {
  retireAll();
}

void ReadyPool::close(Entry& entry) {
  if (entry.channel >= 0) {
    ::close(entry.channel);
    entry.channel = -1;
    entry.ready = false;
  }
}

size_t ReadyPool::live() const {
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(),
                                           [](const Entry& entry) { return entry.channel >= 0; }));
}

ReadyPool::Clock::time_point ReadyPool::refillAt() const {
  const size_t alive = live();
  if (alive >= target_) {
    return Clock::time_point::max();
  }
  if (alive * 2 < target_) {
    return pausedUntil_;
  }
  return std::max(pausedUntil_, lastHandOff_ + kSettle);
}

void ReadyPool::add(pid_t pid, int channel) {
  entries_.push_back({pid, channel});
}

std::vector<int> ReadyPool::channels() const {
  std::vector<int> all;
  for (const Entry& entry : entries_) {
    if (entry.channel >= 0) {
      all.push_back(entry.channel);
    }
  }
  return all;
}

void ReadyPool::watch(std::vector<pollfd>& fds) const {
  for (const Entry& entry : entries_) {
    if (entry.channel >= 0) {
      fds.push_back({entry.channel, POLLIN, 0});
    }
  }
}

void ReadyPool::readReports(const std::vector<pollfd>& fds, size_t first, Clock::time_point now) {
  size_t index = first;
  for (Entry& entry : entries_) {
    if (entry.channel < 0) {
      continue;
    }
    if (index >= fds.size() || fds[index].fd != entry.channel) {
      break;  // added during this round: read next round
    }
    if (fds[index++].revents == 0) {
      continue;
    }
    char report = 0;
    ssize_t n = ::recv(entry.channel, &report, 1, MSG_DONTWAIT);
    if (n == 1 && report == kReportReady) {
      entry.ready = true;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    } else {
      // A failed start ('F', logged by the process) or a process gone: no
      // more forks for a moment, so that a full port range does not make
      // the parent fork in a loop.
      if (n == 1 && report == kReportFailed) {
        pausedUntil_ = now + kPauseAfterFailure;
      }
      close(entry);
    }
  }
}

pid_t ReadyPool::handOff(int fd, Clock::time_point now) {
  if (pid_t pid = sendToOldest(fd, now, /*readyOnly=*/true); pid > 0) {
    return pid;
  }
  // The pool did not keep up: keep more from now on. A process forked and
  // still getting ready is nearer than a fork; it takes the connection as
  // soon as it is ready (and answers 503 itself if it found no port).
  lastDry_ = now;
  const unsigned grown = std::min(options_.maxReady, std::max(target_ * 2, options_.ready));
  if (now - lastDryLog_ >= std::chrono::seconds(1)) {
    lastDryLog_ = now;
    logLine(
        "pool empty: a visitor waits for a session process (keeping %u ready from now on, "
        "up to %u)",
        grown, options_.maxReady);
  }
  target_ = grown;
  return sendToOldest(fd, now, /*readyOnly=*/false);
}

pid_t ReadyPool::sendToOldest(int fd, Clock::time_point now, bool readyOnly) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->channel < 0 || (readyOnly && !it->ready)) {
      continue;
    }
    const bool sent = sendConnection(it->channel, fd);
    const pid_t pid = it->pid;
    // Handed over or dead: either way the parent is done with the channel
    // (a session would otherwise cost the parent a descriptor).
    close(*it);
    if (sent) {
      lastHandOff_ = now;
      entries_.erase(it);
      return pid;
    }
  }
  return -1;
}

bool ReadyPool::forget(pid_t pid) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [pid](const Entry& entry) { return entry.pid == pid; });
  if (it == entries_.end()) {
    return false;
  }
  close(*it);
  entries_.erase(it);
  return true;
}

size_t ReadyPool::shrink(Clock::time_point now) {
  if (target_ <= options_.ready || now < nextShrink()) {
    return 0;
  }
  --target_;
  lastDry_ = now;
  size_t retired = 0;
  // The newest first: the oldest have their warm-up long done.
  for (auto it = entries_.rbegin(); it != entries_.rend() && live() > target_; ++it) {
    if (it->channel >= 0) {
      close(*it);
      ++retired;
    }
  }
  return retired;
}

std::vector<pid_t> ReadyPool::retireAll() {
  std::vector<pid_t> pids;
  for (Entry& entry : entries_) {
    close(entry);
    pids.push_back(entry.pid);
  }
  return pids;
}

}  // namespace httpgate::appserver::detail
