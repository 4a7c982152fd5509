// A blocking HTTP(S) client for the gate's background threads — OCSP
// responders now, ACME directories next — on libcurl: never called on a
// worker's loop or the main thread's. Bounded in time and in size.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace httpgate::gate {

struct HttpFetchRequest {
  std::string method = "GET";  // GET, HEAD or POST
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // POST only
  long timeoutMs = 10'000;           // the whole exchange, connect included
  std::string caFile;                // PEM roots for https; empty: the system's
  // When set and it becomes true, the transfer is abandoned (shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpFetchResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  // The first field named `name` (any case).
  std::optional<std::string> header(std::string_view name) const;
};

// A response larger than this is an error.
constexpr size_t kMaxFetchBytes = 1 << 20;

// Performs `request`; any HTTP status is a response, a failure to get one
// (no connection, TLS, timeout, too large) an error text.
Result<HttpFetchResponse> httpFetch(const HttpFetchRequest& request);

// Once, before the process starts any thread: libcurl's global state.
void initHttpFetch();

}  // namespace httpgate::gate
