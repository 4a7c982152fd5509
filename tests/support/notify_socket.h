// The service manager's end of sd_notify(3), for tests that play systemd:
// an AF_UNIX datagram socket at a path (NOTIFY_SOCKET=path) that receives
// "NAME=VALUE\n..." messages together with the sender's pid (SO_PASSCRED).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>

#include "tests/support/deadline.h"

namespace httpgate::test {

struct NotifyMessage {
  pid_t sender = -1;
  std::map<std::string, std::string> fields;
  std::string text;  // as received, for failure messages

  bool has(const std::string& name) const { return fields.count(name) != 0; }
  std::string get(const std::string& name) const;
};

class NotifySocket {
 public:
  // Binds the socket at `path`; throws when it cannot.
  explicit NotifySocket(std::string path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  // "NOTIFY_SOCKET=<path>" for SpawnOptions::env.
  std::string environment() const { return "NOTIFY_SOCKET=" + path_; }
  // The next message, waited for up to `timeout`.
  std::optional<NotifyMessage> next(Millis timeout);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace httpgate::test
