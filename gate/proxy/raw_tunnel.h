// Raw pass-through after a request head (routes.raw_paths), for PicoLisp's
// journal replication: `bin/ssl` sends "GET /<port>/!replica HTTP/1.0" and
// a few fields, then, on the same connection, raw bytes (a key line, a
// length line, the journal, "T"), and `lib/replica.l` answers a raw "T".
// httpGate carried this because it is a byte pipe after the first line.
//
// The gate does the same for such requests only, and forwards their head
// with "Connection: close" on a connection of their own (never pooled,
// never retried), so that a backend speaking HTTP/1.0 closes after its
// answer and never reads the raw bytes as a second request. Everything
// else is proxied as HTTP, so raw bytes after any other head are parsed
// as the next request (and refused when they are not one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/http/message.h"

namespace httpgate::gate {

// The last '/'-separated segment of `path` before any '?':
// "/40003/!replica?x" -> "!replica", "/a/" -> "", "*" -> "*".
std::string_view finalPathSegment(std::string_view path);

// Whether `head` is followed by raw bytes to pass through: method GET or
// POST (exactly), HTTP/1.0 (which has no upgrade), no Content-Length and no
// Transfer-Encoding, and the final segment of its path exactly one of
// `rawPaths`.
bool wantsRawTunnel(const http::RequestHead& head, const std::vector<std::string>& rawPaths);

}  // namespace httpgate::gate
