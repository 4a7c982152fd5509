"""What a reader of the results must know about the set-up, written once."""

METHOD = """\
Every peer runs on loopback in front of the same backend (nginx, one worker,
keep-alive, a 38-byte body on `/` and a static 1 MiB file), with the same
self-signed certificates (ECDSA P-256 on one port, RSA-2048 on another),
TLS 1.3 only. Each round starts every peer afresh; within a round each
measurement runs on every peer in turn (httpgate, nginx, HAProxy, httpGate,
backend directly), so the peers alternate and share the machine's noise.
Figures are medians over the rounds (error counts are totals).

*CPU* is the CPU time (user + system) of all of a peer's processes and
threads, exited ones included, read from a cgroup-v1 `cpuacct` group per
peer before and after a run, divided by the operations completed. It is the
steadiest figure on a shared machine, and the headline. The load generator
(wrk or `httpgate-bench-client`), the peer and the backend share the
machine's cores, so requests/s is bounded by all three together.

*HTTP/2* (the `h2_*` measurements) runs on httpgate, nginx and HAProxy
only: httpGate and the backend speak HTTP/1.1 alone. h2load offers ALPN
h2 and a run counts only when every peer chose it and every request got a
2xx; it is given OpenSSL's own TLS 1.3 cipher order, the one wrk and the
bench client send, so every peer uses TLS_AES_256_GCM_SHA384 as in the
HTTP/1.1 measurements (h2load's default order puts AES-128-GCM first, which
nginx alone would take). Every stream goes to the backend over HTTP/1.1.
p50/p99 come from h2load's per-request log. The HTTP/1.1 measurements stay
HTTP/1.1: wrk, Python's checks and the bench client (without `--h2`) offer
no ALPN, and a TLS server without ALPN from the client speaks HTTP/1.1.
Memory figures of the HTTP/2 measurements (and their HTTP/1.1 comparisons)
are taken each on a freshly restarted peer.
"""

CONFIGURATIONS = """\
- **httpgate**: `workers: auto` (one per core), TLS 1.3, access log off,
  everything else at its defaults: it adds `X-Pil` (3 lines), `X-Forwarded-For/-Proto/-Host`
  and `Forwarded` to every request.
- **httpgate, PROXY v2** (`httpgate-proxy`, only when `BENCH_PEERS` names
  it): the same build and configuration with `proxy_protocol: true` and
  `proxy_from: [127.0.0.1/32]` on both listeners; the bench client
  (`--proxy-v2`) writes a 28-byte PROXY v2 header (TCP4, from 192.0.2.1–254
  and a changing port, a new client every connection) in its own segment
  right after connect(), before the ClientHello. wrk and h2load cannot send
  one, so only the bench client's measurements (latency, handshakes,
  memory, memory_burst, h2_memory) run on it.
- **nginx**: `worker_processes auto`, `listen ... ssl reuseport`,
  `ssl_ecdh_curve X25519`, an upstream with `keepalive 64`,
  `proxy_http_version 1.1`, `proxy_set_header Connection ""`, no access log,
  `keepalive_requests 1000000` on both sides (the default of 1000 would close
  wrk's connections and the upstream ones every 1000 requests), and
  `proxy_max_temp_file_size 0` (no temporary files for the 1 MiB responses).
  It adds the same four forwarding headers as httpgate (not `X-Pil`). The
  routed location is a regex with a variable `proxy_pass`, which bypasses the
  upstream block: every routed request opens a new backend connection.
- **HAProxy**: `nbthread 2`, `curves X25519`, `http-reuse always`, no
  logging, the same four forwarding headers (`option forwardfor` and
  `set-header`). Routing sets the destination port from the first path
  segment (`set-dst-port`), strips it (`set-path`), and uses a server without
  a port. HAProxy sizes its descriptor needs at two per connection; with the
  same `maxconn` as the others it warns that the limit is low, which
  `no strict-limits` lets it start with (idle client connections need one
  descriptor each).
- **HTTP/2**: httpgate's is on by default on TLS listeners (`listen[].http2`,
  `limits.http2.max_concurrent_streams` 100), nginx has `listen ... ssl http2`
  (`http2_max_concurrent_streams` 128), HAProxy `alpn h2,http/1.1` on its
  binds (`tune.h2.max-concurrent-streams` 100); all three offer h2 first and
  http/1.1 after it. Each keeps its own status counters on loopback, read
  only by the `h2_visit` measurement (httpgate's admin endpoint, nginx's
  `stub_status`, HAProxy's stats socket), and the backend has a
  `stub_status` too, for the backend connections the peers open. With more
  streams in flight than idle backend connections kept (httpgate keeps at
  most 64 per worker, nginx `keepalive 64` per worker, HAProxy all of
  them), the rest are opened and closed per request: `h2_small` reports
  backend connections opened per 1,000 requests.
- **httpGate** (PicoLisp): `httpGate PORT BACKEND key,cert`, one daemon per
  certificate. It forks a process per connection and a second one after the
  first request, so its CPU includes `fork()`; its processes are counted
  through the cgroup. It routes only the first request of a connection:
  later requests go, unrouted, to the same backend connection (the routing
  check below shows it), so its routed figures are for connections routed
  once. It fixes the key-exchange group to P-256, so with it TLS 1.3 uses
  P-256 after a HelloRetryRequest instead of X25519 (see the `group` column
  in results.json). It listens on `[::]` (all addresses) with a backlog of 5,
  and connects to the backend over `::1`. Its idle-connection test is capped
  (two processes per connection).
- **backend directly**: the ceiling, plain HTTP, no TLS; its CPU figures are
  the backend's own.
- Limits: every peer gets a descriptor limit of 65536 or the hard limit if
  lower, and connection limits to match.
"""
