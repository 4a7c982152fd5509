"""The measurements, one function each: run the load, read the peer's CPU
time (and the backend's) before and after, and turn both into per-operation
figures. Each returns a flat dict of numbers (and a few strings)."""

import time

from . import tools
from .backend import BIG_BYTES, BIG_PATH

MIB = 1024 * 1024


class Measurement:
    def __init__(self, name, title, applies):
        self.name = name
        self.title = title
        self.applies = applies  # peer -> bool


class Context:
    """What the measurements share: settings, the backend, the client."""

    def __init__(self, settings, backend):
        self.settings = settings
        self.backend = backend
        self.client = settings.client


def _cpu(peer, backend):
    return peer.service.cpu_ns(), backend.service.cpu_ns()


def _cpu_us(before, after):
    return (after[0] - before[0]) / 1000.0, (after[1] - before[1]) / 1000.0


def _per(value, count):
    return value / count if count else None


def keepalive(ctx, peer, routed=False):
    """wrk -t2 -c64 on / (or /<backend port>/): requests/s, latency, CPU µs
    per request."""
    s = ctx.settings
    path = f"/{ctx.backend.port}/" if routed else "/"
    before = _cpu(peer, ctx.backend)
    w = tools.wrk(peer.url(path), s.seconds, s.wrk_connections, s.wrk_threads)
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    seconds = w["duration_us"] / 1e6
    return {"requests": w["requests"], "requests_per_s": w["requests"] / seconds,
            "p50_ms": w["p50_us"] / 1000, "p99_ms": w["p99_us"] / 1000,
            "cpu_us_per_request": _per(cpu, w["requests"]),
            "backend_cpu_us_per_request": _per(backend_cpu, w["requests"]),
            "errors": w["errors"]}


def routed(ctx, peer):
    return keepalive(ctx, peer, routed=True)


def _proxy_probe(peer):
    """For a peer whose clients send PROXY headers: its counters before a
    run (see _proxy_headers); None for the others."""
    return _counter_probe(peer) if peer.proxy_header else None


def _proxy_headers(peer, probe, connections):
    """The PROXY headers the peer read per connection the client completed
    since `probe` (1.00 when every connection's header was read; a little
    more when connections were cut short by the run's end), and the
    connections it closed over a bad header: evidence that the measurement
    measured what it says. Empty without a probe."""
    if probe is None:
        return {}
    counted = _counted_since(peer, probe)
    return {"proxy_headers_per_connection": _per(counted.get("proxy_headers", 0), connections),
            "errors_proxy_header": counted.get("proxy_header_failures", 0)}


def handshakes(ctx, peer, rsa=False):
    """Full TLS 1.3 handshakes, one request each: connections/s, CPU µs per
    handshake (per connection: with its request, and its PROXY header for
    httpgate-proxy), and what was negotiated."""
    s = ctx.settings
    port = peer.rsa_port if rsa else peer.port
    probe = _proxy_probe(peer)
    before = _cpu(peer, ctx.backend)
    r = tools.client(ctx.client, "handshakes", port, "--seconds", s.handshake_seconds,
                     "--concurrency", s.handshake_concurrency, *peer.client_args(),
                     timeout=s.handshake_seconds + 60)
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    return {"connections": r["completed"], "connections_per_s": r["per_second"],
            "cpu_us_per_handshake": _per(cpu, r["completed"]),
            "backend_cpu_us_per_handshake": _per(backend_cpu, r["completed"]),
            "errors": r["errors"], "first_error": r["first_error"],
            "tickets_per_connection": r["tickets_per_connection"],
            "protocol": r["protocol"], "cipher": r["cipher"], "group": r["group"],
            **_proxy_headers(peer, probe, r["completed"])}


def handshakes_rsa(ctx, peer):
    return handshakes(ctx, peer, rsa=True)


def throughput(ctx, peer):
    """wrk -t2 -c8 on the 1 MiB file: MiB/s and CPU µs per MiB."""
    s = ctx.settings
    before = _cpu(peer, ctx.backend)
    w = tools.wrk(peer.url(BIG_PATH), s.seconds, s.throughput_connections, s.wrk_threads)
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    seconds = w["duration_us"] / 1e6
    return {"responses": w["requests"], "mib_per_s": w["requests"] / seconds,
            "cpu_us_per_mib": _per(cpu, w["requests"]),
            "backend_cpu_us_per_mib": _per(backend_cpu, w["requests"]),
            "p99_ms": w["p99_us"] / 1000, "errors": w["errors"]}


def latency(ctx, peer):
    """Fresh connections one at a time: connect() to the last byte of the
    first response."""
    s = ctx.settings
    probe = _proxy_probe(peer)
    r = tools.client(ctx.client, "latency", peer.port, "--count", s.latency_count,
                     "--seconds", s.latency_cap_seconds, *peer.client_args(),
                     timeout=s.latency_cap_seconds + 60)
    return {"samples": r["samples"], "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "mean_ms": r["mean_us"] / 1000, "errors": r["errors"],
            **_proxy_headers(peer, probe, r["samples"])}


def hold_counts(settings, peer):
    """The idle-connection counts for `peer`: a peer that forks per
    connection is capped (two processes per connection for httpGate)."""
    if not peer.forks:
        return list(settings.hold_counts)
    capped = sorted({min(n, settings.httpgate_legacy_hold_cap) for n in settings.hold_counts})
    return capped


def memory(ctx, peer):
    """RSS and PSS of all the peer's processes at rest (after a few warm-up
    connections), then with N idle connections that each completed a
    handshake and one request; per connection in KiB."""
    s = ctx.settings
    tools.client(ctx.client, "latency", peer.port, "--count", 20, "--seconds", 10,
                 *peer.client_args(), timeout=60)
    time.sleep(s.settle_seconds)
    rest_rss, rest_pss = peer.service.memory_kib()
    result = {"rest_rss_kib": rest_rss, "rest_pss_kib": rest_pss,
              "rest_processes": len(peer.service.pids())}
    for count in hold_counts(s, peer):
        hold = tools.Hold(ctx.client, peer.port, count, s.hold_concurrency, plain=not peer.tls,
                          proxy_v2=peer.proxy_header)
        try:
            time.sleep(1.0)
            rss, pss = peer.service.memory_kib()
            processes = len(peer.service.pids())
        finally:
            hold.release()
        held = hold.result["held"]
        result.update({f"held_{count}": held, f"errors_{count}": hold.result["errors"],
                       f"open_seconds_{count}": hold.result["elapsed"],
                       f"rss_kib_{count}": rss, f"pss_kib_{count}": pss,
                       f"processes_{count}": processes,
                       f"rss_kib_per_conn_{count}": _per(rss - rest_rss, held),
                       f"pss_kib_per_conn_{count}": _per(pss - rest_pss, held)})
        if hold.result["errors"]:
            result[f"first_error_{count}"] = hold.result["first_error"]
        time.sleep(2 * s.settle_seconds)
    return result


BURST_BOUND_KIB = 10 * 1024  # issue 12: back within 10 MiB of the baseline ...
BURST_POLL_SECONDS = 0.5


def memory_burst(ctx, peer):
    """Anonymous memory (RssAnon: heap and stacks, all the peer's
    processes) at rest, with a burst of N TLS connections held (each after
    a handshake and one request), and every half second for 10 s after the
    last of them closed: how much of the burst's peak a peer gives back.
    `seconds_back` is when it first came within 10 MiB of its baseline
    (None: not within the watch)."""
    s = ctx.settings
    tools.client(ctx.client, "latency", peer.port, "--count", 20, "--seconds", 10,
                 *peer.client_args(), timeout=60)
    time.sleep(s.settle_seconds)
    base = peer.service.rss_anon_kib()
    hold = tools.Hold(ctx.client, peer.port, s.burst_count, s.hold_concurrency,
                      plain=not peer.tls, proxy_v2=peer.proxy_header)
    try:
        time.sleep(1.0)
        peak = peer.service.rss_anon_kib()
    finally:
        hold.release()  # returns once the client has exited: every connection closed
    closed = time.monotonic()
    trace, seconds_back = [], None
    while True:
        elapsed = time.monotonic() - closed
        rss = peer.service.rss_anon_kib()
        trace.append([round(elapsed, 2), rss])
        if seconds_back is None and rss - base <= BURST_BOUND_KIB:
            seconds_back = elapsed
        if elapsed >= s.burst_watch_seconds:
            break
        time.sleep(min(BURST_POLL_SECONDS, s.burst_watch_seconds - elapsed))
    after = trace[-1][1]
    result = {"held": hold.result["held"], "errors": hold.result["errors"],
              "base_rss_anon_kib": base, "peak_rss_anon_kib": peak,
              "rss_anon_kib_1s": next(r for t, r in trace if t >= 1.0 or t == trace[-1][0]),
              "rss_anon_kib_10s": after, "kept_kib_10s": after - base,
              "kept_share_10s": _per(after - base, peak - base),
              "seconds_back": seconds_back, "trace": trace}
    if hold.result["errors"]:
        result["first_error"] = hold.result["first_error"]
    return result


def _h2load_checked(url, protocol, **load):
    """tools.h2load(url, **load), raising (the run counts as failed) unless
    ALPN chose `protocol` and every request finished with a 2xx: a peer
    that falls back to HTTP/1.1, or answers errors, must not produce
    figures that look like HTTP/2 ones."""
    h = tools.h2load(url, **load)
    if h["application_protocol"] != protocol:
        raise tools.ToolError(f"h2load negotiated {h['application_protocol'] or 'no protocol'}, "
                              f"not {protocol}")
    wanted = load.get("requests")
    if h["errors"] or not h["succeeded"] or (wanted and h["succeeded"] != wanted):
        raise tools.ToolError(
            f"h2load: {h['succeeded']} succeeded of {wanted or h['total']}, {h['failed']} failed, "
            f"{h['errored']} errored, {h['timeout']} timed out; 3xx/4xx/5xx: "
            f"{h['status_3xx']}/{h['status_4xx']}/{h['status_5xx']}")
    return h


def _negotiated(h):
    """What the TLS handshake and ALPN agreed on, for the report."""
    return {"protocol": h["tls_protocol"], "alpn": h["application_protocol"],
            "cipher": h["cipher"], "group": h["group"]}


def _counter_probe(counted):
    """Reads a connection counter (peer.counters or backend.counters)
    twice: (the second reading, what one reading adds to the count by
    itself: its own connection, for nginx and HAProxy), or None when there
    is no counter."""
    first = counted.counters()
    if first is None:
        return None
    second = counted.counters()
    return second, second["accepted"] - first["accepted"]


def _counted_since(counted, probe):
    """Each count's increase since the probe, without the final reading's
    own connection; None without a counter."""
    if probe is None:
        return None
    start, own = probe
    now = counted.counters()
    since = {key: value - start.get(key, 0) for key, value in now.items()}
    since["accepted"] -= own
    return since


def h2_small(ctx, peer):
    """h2load, -c64 -m10 (BENCH_CONNECTIONS connections, BENCH_H2_STREAMS
    streams each) on /: requests/s, p50/p99 from h2load's per-request log,
    CPU µs per request, and how many backend connections the peer opened
    per 1,000 requests (a pool smaller than the streams in flight shows
    here)."""
    s = ctx.settings
    backend_probe = _counter_probe(ctx.backend)
    before = _cpu(peer, ctx.backend)
    h = _h2load_checked(peer.url("/"), "h2", connections=s.wrk_connections,
                        streams=s.h2_streams, threads=s.wrk_threads, seconds=s.seconds)
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    opened = _counted_since(ctx.backend, backend_probe)["accepted"]
    done = h["succeeded"]
    return {"requests": done, "requests_per_s": done / h["seconds"],
            "p50_ms": h["p50_us"] / 1000, "p99_ms": h["p99_us"] / 1000,
            "mean_ms": h["mean_us"] / 1000,
            "cpu_us_per_request": _per(cpu, done),
            "backend_cpu_us_per_request": _per(backend_cpu, done),
            "backend_connections_per_1k_requests": _per(1000 * opened, done),
            "errors": h["errors"], **_negotiated(h)}


def h2_throughput(ctx, peer):
    """h2load -c8 -m10 on the 1 MiB file: MiB/s and CPU µs per MiB, the
    MiB counted from the response bytes h2load received (the responses
    still in flight at the end included, as their CPU is)."""
    s = ctx.settings
    before = _cpu(peer, ctx.backend)
    h = _h2load_checked(peer.url(BIG_PATH), "h2", connections=s.throughput_connections,
                        streams=s.h2_streams, threads=s.wrk_threads, seconds=s.seconds)
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    if h["bytes_data"] < h["succeeded"] * BIG_BYTES:
        raise tools.ToolError(f"{h['succeeded']} responses finished with only "
                              f"{h['bytes_data']} bytes of body")
    mib = h["bytes_data"] / MIB
    return {"responses": h["succeeded"], "mib_per_s": mib / h["seconds"],
            "cpu_us_per_mib": _per(cpu, mib), "backend_cpu_us_per_mib": _per(backend_cpu, mib),
            "p99_ms": h["p99_us"] / 1000, "errors": h["errors"], **_negotiated(h)}


def _warm_up(ctx, peer):
    """A few HTTP/1.1 and HTTP/2 connections, closed, before a peer's
    memory at rest is read: what every connection's first use allocates
    once is then in the figure at rest, not in the per-connection one."""
    tools.client(ctx.client, "latency", peer.port, "--count", 20, "--seconds", 10,
                 *peer.client_args(), timeout=60)
    tools.Hold(ctx.client, peer.port, 20, 1, plain=False, h2=True,
               proxy_v2=peer.proxy_header).release()
    time.sleep(ctx.settings.settle_seconds)


def _held_fresh(ctx, peer, count, requests, h2):
    """RSS and PSS of a freshly started peer at rest (after a warm-up) and
    with `count` TLS connections held idle after `requests` requests each
    (HTTP/2: as concurrent streams). Fresh, so that what an earlier load
    left in the peer's heap cannot make one figure look smaller than the
    other."""
    s = ctx.settings
    peer.restart()
    _warm_up(ctx, peer)
    rest_rss, rest_pss = peer.service.memory_kib()
    hold = tools.Hold(ctx.client, peer.port, count, s.hold_concurrency, plain=False,
                      requests=requests, h2=h2, proxy_v2=peer.proxy_header)
    try:
        time.sleep(1.0)
        rss, pss = peer.service.memory_kib()
    finally:
        hold.release()
    time.sleep(s.settle_seconds)
    return {"rest_rss": rest_rss, "rest_pss": rest_pss, "rss": rss, "pss": pss,
            "held": hold.result["held"], "errors": hold.result["errors"],
            "first_error": hold.result["first_error"], "alpn": hold.result.get("alpn", "")}


def h2_memory(ctx, peer):
    """RSS and PSS per idle TLS connection after one request, HTTP/2
    (ALPN h2) against HTTP/1.1 (no ALPN), at each idle-connection count,
    every hold on a freshly started peer; and h2/h1 per peer."""
    s = ctx.settings
    result = {}
    for count in hold_counts(s, peer):
        for proto, h2 in (("h1", False), ("h2", True)):
            m = _held_fresh(ctx, peer, count, 1, h2)
            result.update({f"rest_rss_kib_{proto}_{count}": m["rest_rss"],
                           f"held_{proto}_{count}": m["held"],
                           f"errors_{proto}_{count}": m["errors"],
                           f"rss_kib_per_conn_{proto}_{count}": _per(m["rss"] - m["rest_rss"],
                                                                     m["held"]),
                           f"pss_kib_per_conn_{proto}_{count}": _per(m["pss"] - m["rest_pss"],
                                                                     m["held"])})
            if m["errors"]:
                result[f"first_error_{proto}_{count}"] = m["first_error"]
            if h2:
                result["alpn"] = m["alpn"]
        h1_rss = result[f"rss_kib_per_conn_h1_{count}"]
        h2_rss = result[f"rss_kib_per_conn_h2_{count}"]
        result[f"rss_h2_over_h1_{count}"] = _per(h2_rss, h1_rss) if h2_rss is not None else None
    return result


VISIT_REQUESTS = 30       # a page: its document and 29 subresources
VISIT_H1_CONNECTIONS = 6  # what browsers open per host over HTTP/1.1
VISIT_MAX_BATCHES = 100   # bursts of visitors per run, whatever BENCH_SECONDS says
VISIT_SHAPES = {"h2": (1, VISIT_REQUESTS), "h1": (VISIT_H1_CONNECTIONS,
                                                  VISIT_REQUESTS // VISIT_H1_CONNECTIONS)}


def _visits(ctx, peer, proto):
    """BENCH_VISITORS visitors at once, each one page of VISIT_REQUESTS
    requests: over HTTP/2 one connection with all of them in flight, over
    HTTP/1.1 six connections of five requests each (h2load --h1, one at a
    time); again and again for BENCH_SECONDS (one burst of visitors is too
    little CPU to measure steadily). CPU per visit, and the connections
    the peer counted itself."""
    s = ctx.settings
    n = s.visitors
    connections, per_connection = VISIT_SHAPES[proto]
    probe = _counter_probe(peer)
    before = _cpu(peer, ctx.backend)
    deadline = time.monotonic() + s.seconds
    batches, seconds = 0, 0.0
    while batches < VISIT_MAX_BATCHES:  # and until the deadline, after one batch at least
        h = _h2load_checked(peer.url("/"), "h2" if proto == "h2" else "http/1.1",
                            connections=n * connections, streams=per_connection,
                            requests=n * VISIT_REQUESTS, h1=proto == "h1",
                            threads=s.wrk_threads, timeout=300)
        batches += 1
        seconds += h["seconds"]
        if time.monotonic() >= deadline:
            break
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    counted = _counted_since(peer, probe)
    visits = batches * n
    result = {f"visits_{proto}": visits, f"cpu_us_per_visit_{proto}": cpu / visits,
              f"backend_cpu_us_per_visit_{proto}": backend_cpu / visits,
              f"seconds_{proto}": seconds / batches,
              f"connections_per_visitor_{proto}": counted["accepted"] / visits}
    if "handshakes" in counted:
        result[f"handshakes_per_visitor_{proto}"] = counted["handshakes"] / visits
    return result


def h2_visit(ctx, peer):
    """A browser-like visit over HTTP/2 against one over HTTP/1.1, both
    through TLS: CPU per visit, connections (each a full handshake) per
    visitor as the peer counted them, and memory per visitor with every
    visitor's connections held idle after the visit (on a fresh peer)."""
    s = ctx.settings
    result = {"visitors": s.visitors}
    for proto in ("h2", "h1"):
        result.update(_visits(ctx, peer, proto))
        time.sleep(s.settle_seconds)
    for proto in ("h2", "h1"):
        connections, per_connection = VISIT_SHAPES[proto]
        m = _held_fresh(ctx, peer, s.visitors * connections, per_connection, proto == "h2")
        visitors = m["held"] / connections
        result.update({f"rss_kib_per_visitor_{proto}": _per(m["rss"] - m["rest_rss"], visitors),
                       f"pss_kib_per_visitor_{proto}": _per(m["pss"] - m["rest_pss"], visitors),
                       f"held_connections_{proto}": m["held"],
                       f"errors_held_{proto}": m["errors"]})
        if m["errors"]:
            result[f"first_error_held_{proto}"] = m["first_error"]
    return result


def _speaks_h2(peer):
    """The proxies that terminate TLS in one process tree: httpgate (and
    its other builds), nginx, HAProxy; not httpGate (no HTTP/2) nor the
    backend directly (plain HTTP/1.1)."""
    return peer.tls and peer.proxy and not peer.forks


def _loadable(peer):
    """wrk and h2load can load the peer: they cannot send a PROXY header,
    so not httpgate-proxy (only the bench client's measurements run on
    it)."""
    return not peer.proxy_header


MEASUREMENTS = [
    Measurement("memory", "Memory per idle TLS connection", lambda p: True),
    Measurement("memory_burst", "Memory given back after a burst of TLS connections",
                lambda p: p.tls and not p.forks),
    Measurement("latency", "First-request latency on a fresh connection", lambda p: True),
    Measurement("keepalive", "Keep-alive small requests over TLS", _loadable),
    Measurement("routed", "Routed keep-alive (/<port>/ URLs)",
                lambda p: p.proxy and _loadable(p)),
    Measurement("handshakes_ecdsa", "Full TLS handshakes, ECDSA P-256", lambda p: p.tls),
    Measurement("handshakes_rsa", "Full TLS handshakes, RSA-2048", lambda p: p.tls),
    Measurement("throughput", "Throughput, 1 MiB responses over TLS keep-alive", _loadable),
    Measurement("h2_small", "HTTP/2 small requests, concurrent streams on each connection",
                lambda p: _speaks_h2(p) and _loadable(p)),
    Measurement("h2_throughput", "HTTP/2 throughput, 1 MiB responses",
                lambda p: _speaks_h2(p) and _loadable(p)),
    Measurement("h2_visit", "A browser-like visit: one HTTP/2 connection against six HTTP/1.1",
                lambda p: _speaks_h2(p) and _loadable(p)),
    Measurement("h2_memory", "Memory per idle HTTP/2 connection against HTTP/1.1", _speaks_h2),
]

RUNNERS = {"memory": memory, "memory_burst": memory_burst, "latency": latency, "keepalive": keepalive, "routed": routed,
           "handshakes_ecdsa": handshakes, "handshakes_rsa": handshakes_rsa,
           "throughput": throughput, "h2_small": h2_small, "h2_throughput": h2_throughput,
           "h2_visit": h2_visit, "h2_memory": h2_memory}
