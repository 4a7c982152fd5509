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
"""

CONFIGURATIONS = """\
- **httpgate**: `workers: auto` (one per core), TLS 1.3, access log off,
  everything else at its defaults: it adds `X-Pil` (3 lines), `X-Forwarded-For/-Proto/-Host`
  and `Forwarded` to every request.
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
