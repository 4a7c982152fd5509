"""The measurements, one function each: run the load, read the peer's CPU
time (and the backend's) before and after, and turn both into per-operation
figures. Each returns a flat dict of numbers (and a few strings)."""

import time

from . import tools
from .backend import BIG_PATH

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


def handshakes(ctx, peer, rsa=False):
    """Full TLS 1.3 handshakes, one request each: connections/s, CPU µs per
    handshake, and what was negotiated."""
    s = ctx.settings
    port = peer.rsa_port if rsa else peer.port
    before = _cpu(peer, ctx.backend)
    r = tools.client(ctx.client, "handshakes", port, "--seconds", s.handshake_seconds,
                     "--concurrency", s.handshake_concurrency, timeout=s.handshake_seconds + 60)
    cpu, backend_cpu = _cpu_us(before, _cpu(peer, ctx.backend))
    return {"connections": r["completed"], "connections_per_s": r["per_second"],
            "cpu_us_per_handshake": _per(cpu, r["completed"]),
            "backend_cpu_us_per_handshake": _per(backend_cpu, r["completed"]),
            "errors": r["errors"], "first_error": r["first_error"],
            "tickets_per_connection": r["tickets_per_connection"],
            "protocol": r["protocol"], "cipher": r["cipher"], "group": r["group"]}


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


def _client_args(peer):
    return [] if peer.tls else ["--plain"]


def latency(ctx, peer):
    """Fresh connections one at a time: connect() to the last byte of the
    first response."""
    s = ctx.settings
    r = tools.client(ctx.client, "latency", peer.port, "--count", s.latency_count,
                     "--seconds", s.latency_cap_seconds, *_client_args(peer),
                     timeout=s.latency_cap_seconds + 60)
    return {"samples": r["samples"], "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "mean_ms": r["mean_us"] / 1000, "errors": r["errors"]}


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
                 *_client_args(peer), timeout=60)
    time.sleep(s.settle_seconds)
    rest_rss, rest_pss = peer.service.memory_kib()
    result = {"rest_rss_kib": rest_rss, "rest_pss_kib": rest_pss,
              "rest_processes": len(peer.service.pids())}
    for count in hold_counts(s, peer):
        hold = tools.Hold(ctx.client, peer.port, count, s.hold_concurrency, plain=not peer.tls)
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
                 *_client_args(peer), timeout=60)
    time.sleep(s.settle_seconds)
    base = peer.service.rss_anon_kib()
    hold = tools.Hold(ctx.client, peer.port, s.burst_count, s.hold_concurrency,
                      plain=not peer.tls)
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


MEASUREMENTS = [
    Measurement("memory", "Memory per idle TLS connection", lambda p: True),
    Measurement("memory_burst", "Memory given back after a burst of TLS connections",
                lambda p: p.tls and not p.forks),
    Measurement("latency", "First-request latency on a fresh connection", lambda p: True),
    Measurement("keepalive", "Keep-alive small requests over TLS", lambda p: True),
    Measurement("routed", "Routed keep-alive (/<port>/ URLs)", lambda p: p.proxy),
    Measurement("handshakes_ecdsa", "Full TLS handshakes, ECDSA P-256", lambda p: p.tls),
    Measurement("handshakes_rsa", "Full TLS handshakes, RSA-2048", lambda p: p.tls),
    Measurement("throughput", "Throughput, 1 MiB responses over TLS keep-alive", lambda p: True),
]

RUNNERS = {"memory": memory, "memory_burst": memory_burst, "latency": latency, "keepalive": keepalive, "routed": routed,
           "handshakes_ecdsa": handshakes, "handshakes_rsa": handshakes_rsa,
           "throughput": throughput}
