// The gate's side of on-demand application start: sessions of any worker
// ask for an app to be started; concurrent requests for the same app are
// merged into one start, sent to the start helper (start_helper.h); its
// answer is handed back to every waiting session on its own worker thread.
#pragma once

#include <event2/event.h>

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace httpgate::gate {

// A thread that runs tasks handed to it from other threads: a worker, for
// the answers to its sessions' starts.
class TaskQueue {
 public:
  // Thread-safe: runs `task` later on the queue's thread.
  virtual void post(std::function<void()> task) = 0;

 protected:
  ~TaskQueue() = default;
};

class AppStarts {
 public:
  // `ok` false comes with a message saying why the app is not running.
  using Done = std::function<void(bool ok, const std::string& message)>;

  // Takes ownership of `helperFd` (the gate's end of the helper's socketpair).
  explicit AppStarts(int helperFd);
  ~AppStarts();
  AppStarts(const AppStarts&) = delete;
  AppStarts& operator=(const AppStarts&) = delete;

  // Main thread: reads the helper's answers on `base`.
  void attach(event_base* base);
  // Main thread: the configuration was reloaded; the helper re-reads it.
  void reload();

  // Any worker thread: start `app` (or join the start under way); `done`
  // runs later on `answers`'s thread.
  void request(const std::string& app, TaskQueue& answers, Done done);

 private:
  struct Waiter {
    TaskQueue* answers;
    Done done;
  };
  struct Pending {
    std::string app;
    std::vector<Waiter> waiters;
  };

  static void onReadable(evutil_socket_t fd, short what, void* arg);
  void readAnswers();
  void finish(uint64_t id, bool ok, const std::string& message);
  void failAll(const std::string& message);

  int fd_;
  event* event_ = nullptr;
  std::mutex mutex_;  // guards everything below
  uint64_t nextId_ = 1;
  std::unordered_map<uint64_t, Pending> pending_;
  std::unordered_map<std::string, uint64_t> startingApps_;
  bool helperGone_ = false;
};

}  // namespace httpgate::gate
