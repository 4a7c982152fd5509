// The three modes of httpgate-bench-client. Each prints its result as one
// JSON object on stdout and returns the process exit code. `context` is
// nullptr for plain HTTP.
#pragma once

#include <openssl/ssl.h>

#include "bench/client/options.h"

namespace httpgate::bench {

// Concurrency threads, each looping until options.seconds have passed:
// connect, full handshake, one request, whole response, close.
int runHandshakes(const Options& options, SSL_CTX* context);

// options.count fresh connections one after another (stopping early after
// options.seconds): time from the start of connect() to the last byte of
// the response; prints p50/p99 in microseconds.
int runLatency(const Options& options, SSL_CTX* context);

// Opens options.count connections (options.concurrency at a time),
// options.requests requests each (HTTP/1.1 one after another; with
// options.h2 concurrent HTTP/2 streams), prints "holding N" and the JSON,
// then keeps them idle until stdin ends or SIGTERM/SIGINT arrives.
int runHold(const Options& options, SSL_CTX* context);

}  // namespace httpgate::bench
