#include "tests/support/log_buffer.h"

namespace httpgate::test {

void LogBuffer::append(std::string_view data) {
  {
    std::lock_guard lock(mutex_);
    text_.append(data);
  }
  changed_.notify_all();
}

void LogBuffer::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

std::string LogBuffer::text() const {
  std::lock_guard lock(mutex_);
  return text_;
}

size_t LogBuffer::size() const {
  std::lock_guard lock(mutex_);
  return text_.size();
}

std::vector<std::string> LogBuffer::lines(size_t from) const {
  std::lock_guard lock(mutex_);
  return linesLocked(from);
}

std::vector<std::string> LogBuffer::linesLocked(size_t from) const {
  std::vector<std::string> out;
  size_t start = from < text_.size() ? from : text_.size();
  while (start < text_.size()) {
    const size_t end = text_.find('\n', start);
    if (end == std::string::npos) {
      // A partial line may still grow, unless the writer is gone.
      if (closed_) {
        out.push_back(text_.substr(start));
      }
      break;
    }
    out.push_back(text_.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

size_t LogBuffer::countLines(const std::regex& pattern, size_t from) const {
  size_t count = 0;
  for (const std::string& line : lines(from)) {
    if (std::regex_search(line, pattern)) {
      ++count;
    }
  }
  return count;
}

std::optional<std::vector<std::string>> LogBuffer::waitForLine(const std::regex& pattern,
                                                               Millis timeout, size_t from) const {
  const Deadline deadline(timeout);
  std::unique_lock lock(mutex_);
  size_t scanned = from;  // complete lines before this offset did not match
  while (true) {
    for (const std::string& line : linesLocked(scanned)) {
      std::smatch match;
      if (std::regex_search(line, match, pattern)) {
        return std::vector<std::string>(match.begin(), match.end());
      }
    }
    const size_t lastNewline = text_.rfind('\n');
    if (lastNewline != std::string::npos && lastNewline + 1 > scanned) {
      scanned = lastNewline + 1;
    }
    if (closed_ || !changed_.wait_until(lock, deadline.end(), [&] {
          return closed_ || text_.find('\n', scanned) != std::string::npos;
        })) {
      if (closed_) {
        // One last look: the final partial line counts once closed.
        for (const std::string& line : linesLocked(scanned)) {
          std::smatch match;
          if (std::regex_search(line, match, pattern)) {
            return std::vector<std::string>(match.begin(), match.end());
          }
        }
      }
      return std::nullopt;
    }
  }
}

bool LogBuffer::waitForCount(const std::regex& pattern, size_t count, Millis timeout,
                             size_t from) const {
  const Deadline deadline(timeout);
  std::unique_lock lock(mutex_);
  while (true) {
    size_t matches = 0;
    for (const std::string& line : linesLocked(from)) {
      if (std::regex_search(line, pattern)) {
        ++matches;
      }
    }
    if (matches >= count) {
      return true;
    }
    const size_t sizeSeen = text_.size();
    if (closed_ || !changed_.wait_until(lock, deadline.end(),
                                        [&] { return closed_ || text_.size() != sizeSeen; })) {
      return false;
    }
  }
}

bool LogBuffer::waitClosed(Millis timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return closed_; });
}

}  // namespace httpgate::test
