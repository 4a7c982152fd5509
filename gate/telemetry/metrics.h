// The gate's counters, kept where they are written so that counting costs
// nothing measurable on the hot path. Each worker owns one WorkerMetrics
// that only its own thread writes; the admin thread reads all of them and
// sums when /metrics is scraped. A Counter is a relaxed atomic with a single
// writer, so an increment is a plain load and store (no locked instruction,
// no lock), and each worker's block sits on cache lines of its own.
// Counters of the main thread (reloads, app starts) live in ProcessMetrics.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "gate/telemetry/slow_requests.h"

namespace httpgate::gate {

// A monotonic counter with one writing thread and any number of readers.
class Counter {
 public:
  // Writer thread only: load + store is not an atomic increment, and does
  // not need to be with a single writer.
  void add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down, with one writing thread.
class Gauge {
 public:
  void add(int64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// The label sets, as small fixed enums: a request never allocates a label.
enum class StatusClass : uint8_t { C1xx, C2xx, C3xx, C4xx, C5xx };
constexpr size_t kStatusClasses = 5;
// Where the router sent the request: a numeric /<port>/, a named app, the
// default port, a redirect (redirect app or redirect_https listener), or an
// answer the gate made itself (403, 400, 405, 408, 431...).
enum class RouteKind : uint8_t { Port, App, Default, Redirect, Local };
constexpr size_t kRouteKinds = 5;
// Why a TLS handshake failed: the handshake timeout, the client closed or
// reset before it finished, or anything OpenSSL rejected (not TLS, no shared
// version or cipher, bad record, alert).
enum class HandshakeFailure : uint8_t { Timeout, Closed, Protocol };
constexpr size_t kHandshakeFailures = 3;
// The protocol a client connection speaks.
enum class Protocol : uint8_t { Http1, Http2 };
constexpr size_t kProtocols = 2;
// Who reset an HTTP/2 stream, and why (its RST_STREAM error code, grouped).
enum class ResetSide : uint8_t { Client, Gate };
constexpr size_t kResetSides = 2;
// NoError: the response was complete before the request (RFC 9113 8.1).
enum class ResetReason : uint8_t {
  NoError,
  Protocol,
  Refused,
  Cancel,
  FlowControl,
  Internal,
  Other
};
constexpr size_t kResetReasons = 7;
// The kind of frame whose flood ended an HTTP/2 connection
// (gate/proxy/http2_flood_guard.h).
enum class FloodFrame : uint8_t { RstStream, Ping, Settings, Priority, EmptyData, Continuation };
constexpr size_t kFloodFrames = 6;
ResetReason resetReasonOf(uint32_t errorCode);
// Why a connection on a proxy_protocol listener was closed before its PROXY
// header was read (proxy_header_reader.h): its source is not in proxy_from,
// the header was not one, the connection ended inside it, or it was late.
enum class ProxyHeaderFailure : uint8_t { UntrustedSource, Malformed, Truncated, Timeout };
constexpr size_t kProxyHeaderFailures = 4;
// Why a connection to a backend could not be opened; HostDown: not tried,
// its host is marked down (host_health.h); Tls: the TLS handshake with a
// routes.hosts entry failed (verification, protocol, the host closed).
enum class ConnectFailure : uint8_t { Refused, Timeout, Error, HostDown, Tls };
constexpr size_t kConnectFailures = 5;
// The limit that refused a connection (closed at accept) or a request
// (answered 429): limits.max_connections, listen[].max_connections,
// limits.per_client.connections, limits.per_client.requests.
enum class LimitKind : uint8_t {
  MaxConnections,
  ListenerConnections,
  ClientConnections,
  ClientRequests
};
constexpr size_t kLimitKinds = 4;

// Names used as label values in /metrics, indexed by the enums above.
const char* labelOf(StatusClass value);
const char* labelOf(RouteKind value);
const char* labelOf(HandshakeFailure value);
const char* labelOf(ConnectFailure value);
const char* labelOf(Protocol value);
const char* labelOf(ResetSide value);
const char* labelOf(ResetReason value);
const char* labelOf(FloodFrame value);
const char* labelOf(ProxyHeaderFailure value);
const char* labelOf(LimitKind value);

// The class of an HTTP status; false for anything outside 100..599.
bool statusClassOf(int status, StatusClass& out);

// The TLS handshakes of one listener.
struct HandshakeCounters {
  Counter completed;
  std::array<Counter, kHandshakeFailures> failed;  // by HandshakeFailure
};

// One worker's counters. Written by that worker's thread only.
struct alignas(64) WorkerMetrics {
  // `listeners`: the number of configured listeners (fixed for the life of
  // the process: a reload cannot change them).
  explicit WorkerMetrics(size_t listeners) : openConnections(listeners), handshakes(listeners) {}

  void countRequest(int status, RouteKind route) {
    StatusClass cls;
    if (statusClassOf(status, cls)) {
      requests[static_cast<size_t>(cls)][static_cast<size_t>(route)].add();
    }
  }

  std::vector<Gauge> openConnections;  // by listener index
  std::array<std::array<Counter, kRouteKinds>, kStatusClasses> requests;
  Counter bytesReceived;                      // from clients, after TLS decryption
  Counter bytesSent;                          // to clients, before TLS encryption
  std::vector<HandshakeCounters> handshakes;  // by listener index (plain ones stay 0)
  std::array<Counter, kConnectFailures> connectFailures;
  std::array<Counter, kProtocols> connectionsByProtocol;  // from the handshake's ALPN
  std::array<Counter, kProtocols> requestsByProtocol;
  Gauge http2StreamsOpen;
  std::array<std::array<Counter, kResetReasons>, kResetSides> http2Resets;
  Counter http2Goaways;  // sent
  // HTTP/2 connections ended for a flood, by the frame that spent their
  // budget.
  std::array<Counter, kFloodFrames> http2Floods;
  // PROXY headers read: [0] named a client, [1] did not (LOCAL, UNKNOWN,
  // UNSPEC: the balancer's own address stands).
  std::array<Counter, 2> proxyHeaders;
  std::array<Counter, kProxyHeaderFailures> proxyHeaderFailures;
  // Connections and requests refused by a limit.
  std::array<Counter, kLimitKinds> limited;
  // Connections and requests admitted without per-client limits because
  // the client table was full of clients with open connections.
  Counter clientTableFull;

  // The loop monitor (loop_monitor.h): when the worker's timer last fired
  // (CLOCK_MONOTONIC nanoseconds, 0 = not yet) and how late it fired at most
  // in the current and the previous window.
  Gauge heartbeatNs;
  Gauge lagMaxNs;
  Gauge lagPreviousMaxNs;
  // The slowest recent requests (slow_requests.h): the worker compares,
  // the status page reads.
  SlowRequests slowRequests;
  // Whether the worker's loop has ended (drained or stopped).
  std::atomic<bool> stopped{false};
};

// Counters of the main thread, one set per process: reloads and app starts
// are the process's, whichever object performs them.
struct ProcessMetrics {
  ProcessMetrics();  // notes the start time

  Counter reloadsOk;
  Counter reloadsFailed;
  Counter appsStarted;
  Counter appStartFailures;
  int64_t startTimeSeconds = 0;  // Unix time of the first processMetrics() call
};

// The process's set, created on first use (the admin endpoint asks for it
// when it opens, early in start-up).
ProcessMetrics& processMetrics();

}  // namespace httpgate::gate
