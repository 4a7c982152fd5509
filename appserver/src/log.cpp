#include "appserver/src/log.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>

namespace httpgate::appserver::detail {

void logLine(const char* format, ...) {
  char line[1024];
  int used = std::snprintf(line, sizeof line, "appserver: ");
  va_list args;
  va_start(args, format);
  int more = std::vsnprintf(line + used, sizeof line - used - 1, format, args);
  va_end(args);
  if (more < 0) {
    return;
  }
  // vsnprintf truncates: the line then ends where the buffer does.
  size_t length = static_cast<size_t>(used) + static_cast<size_t>(more);
  if (length > sizeof line - 2) {
    length = sizeof line - 2;
  }
  line[length++] = '\n';
  ssize_t written = ::write(STDERR_FILENO, line, length);
  (void)written;
}

}  // namespace httpgate::appserver::detail
