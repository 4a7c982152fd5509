// One line per event on stderr, "appserver: ...", written with a single
// write(2) so that lines from the parent and its session children (which
// share stderr) never interleave.
#pragma once

namespace httpgate::appserver::detail {

// printf-style; the prefix and the newline are added. Never fails loudly:
// a log line that cannot be written is dropped.
void logLine(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace httpgate::appserver::detail
