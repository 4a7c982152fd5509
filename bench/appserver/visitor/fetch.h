// One request on a fresh connection, the way a browser's first visit
// makes it: TCP (and TLS for https), GET with Connection: close, the whole
// response read (Content-Length, chunked, or up to the end of the
// connection), then closed. Every step is bounded by one deadline.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "bench/appserver/visitor/url.h"

namespace httpgate::bench::appserver {

struct Response {
  bool ok = false;    // a whole response arrived
  std::string error;  // why not, when !ok
  int status = 0;
  std::string location;
  std::string contentType;
  std::string body;
};

// Fetches `url` with `tlsContext` for https (nullptr: https fails). The
// host must be 127.0.0.1 or localhost: the bench stays on loopback.
Response fetch(const Url& url, SSL_CTX* tlsContext, std::chrono::steady_clock::time_point deadline);

}  // namespace httpgate::bench::appserver
