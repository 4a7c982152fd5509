#include "tests/support/streaming_backend.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "tests/support/bytes.h"
#include "tests/support/stream.h"

namespace httpgate::test {
namespace {

constexpr size_t kBlock = 64 * 1024;
// A connection may stay silent this long between requests or bytes.
constexpr Millis kIdle{30'000};

// The value of `name` (lower case) in `head`, or "".
std::string fieldOf(const std::string& head, const std::string& name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) {
    return {};
  }
  const size_t start = head.find_first_not_of(" \t", at + name.size() + 3);
  return head.substr(start, head.find("\r\n", start) - start);
}

}  // namespace

void fillPattern(uint64_t offset, char* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = patternByte(offset + i);
  }
}

std::string patternSha256(uint64_t length) {
  Sha256Stream sha;
  std::string block(kBlock, '\0');
  for (uint64_t at = 0; at < length; at += kBlock) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, length - at));
    fillPattern(at, block.data(), n);
    sha.add(block.data(), n);
  }
  return sha.hex();
}

StreamingBackend::StreamingBackend() {
  listener_ = listenTcp("127.0.0.1", 64, &port_);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

StreamingBackend::~StreamingBackend() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int fd : open_) {
      shutdown(fd, SHUT_RDWR);
    }
  }
  shutdown(listener_.get(), SHUT_RDWR);
  acceptor_.join();
  for (std::thread& t : threads_) {
    t.join();
  }
}

void StreamingBackend::acceptLoop() {
  for (;;) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (poll(&p, 1, 100) < 0) {
      return;
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    if ((p.revents & POLLIN) == 0) {
      continue;
    }
    const int fd = accept(listener_.get(), nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    open_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void StreamingBackend::serve(int fd) {
  PlainStream stream{UniqueFd(fd)};
  std::string in;
  std::string block(kBlock, '\0');
  for (;;) {
    size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      size_t got = 0;
      if (in.size() > 64 * 1024 || stream.read(block.data(), kBlock, kIdle, got) != IoStatus::Ok) {
        goto done;
      }
      in.append(block.data(), got);
    }
    const std::string head = in.substr(0, end + 2);
    in.erase(0, end + 4);
    std::string response;
    if (head.compare(0, 5, "POST ") == 0 || head.compare(0, 4, "PUT ") == 0) {
      const std::string lengthText = fieldOf(head, "content-length");
      if (lengthText.empty()) {
        stream.writeAll("HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\n\r\n", kIdle);
        break;
      }
      uint64_t left = std::stoull(lengthText);
      Sha256Stream sha;
      const size_t first = static_cast<size_t>(std::min<uint64_t>(left, in.size()));
      sha.add(in.data(), first);
      in.erase(0, first);
      left -= first;
      while (left > 0) {
        size_t got = 0;
        if (stream.read(block.data(), static_cast<size_t>(std::min<uint64_t>(kBlock, left)), kIdle,
                        got) != IoStatus::Ok) {
          goto done;
        }
        sha.add(block.data(), got);
        left -= got;
      }
      const std::string digest = sha.hex();
      response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(digest.size()) +
                 "\r\n\r\n" + digest;
      if (stream.writeAll(response, kIdle) != IoStatus::Ok) {
        break;
      }
      continue;
    }
    const size_t target = head.find(' ') + 1;
    const std::string path = head.substr(target, head.find(' ', target) - target);
    const size_t bytesAt = path.find("/bytes/");
    const uint64_t size = bytesAt == std::string::npos ? 0 : std::stoull(path.substr(bytesAt + 7));
    if (stream.writeAll("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n",
                        kIdle) != IoStatus::Ok) {
      break;
    }
    for (uint64_t at = 0; at < size; at += kBlock) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, size - at));
      fillPattern(at, block.data(), n);
      if (stream.writeAll(std::string_view(block.data(), n), kIdle) != IoStatus::Ok) {
        goto done;
      }
    }
  }
done:
  std::lock_guard lock(mutex_);
  open_.remove(fd);
}

}  // namespace httpgate::test
