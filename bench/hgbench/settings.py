"""Run settings, from environment variables (see bench/README.md)."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .peers import VARIANTS, compare_peer

PEER_ORDER = ["httpgate", "nginx", "haproxy", "httpGate", "direct"]
VARIANT_ORDER = list(VARIANTS)  # httpgate's configuration variants: opt-in
MEASUREMENT_ORDER = ["memory", "memory_burst", "latency", "keepalive", "routed",
                     "handshakes_ecdsa", "handshakes_rsa", "throughput",
                     "h2_small", "h2_throughput", "h2_visit", "h2_memory"]
COMPARE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _float(name, default):
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


@dataclass
class Settings:
    repo: Path
    build_dir: Path
    results_dir: Path
    quick: bool = False
    rounds: int = 3
    seconds: float = 10.0            # wrk runs: keep-alive, routed, throughput
    handshake_seconds: float = 10.0  # each handshake run (ECDSA, RSA)
    handshake_concurrency: int = 8
    wrk_threads: int = 2
    wrk_connections: int = 64
    throughput_connections: int = 8
    latency_count: int = 500
    latency_cap_seconds: float = 10.0
    hold_counts: list = field(default_factory=lambda: [1000, 10000])
    httpgate_legacy_hold_cap: int = 1000  # httpGate: two processes per connection
    hold_concurrency: int = 4
    burst_count: int = 2000          # memory_burst: connections opened, held, closed
    burst_watch_seconds: float = 10.0
    h2_streams: int = 10             # h2_small, h2_throughput: streams per connection (h2load -m)
    visitors: int = 200              # h2_visit: visitors at once
    measurements: list = field(default_factory=lambda: list(MEASUREMENT_ORDER))
    httpgate_env: dict = field(default_factory=dict)
    httpgate_compare: dict = field(default_factory=dict)  # NAME: path of another httpgate
    settle_seconds: float = 1.0
    peers: list = field(default_factory=lambda: list(PEER_ORDER))
    keep_tmp: bool = False
    chart: bool = True

    @property
    def client(self):
        return self.build_dir / "bench" / "httpgate-bench-client"

    @property
    def httpgate(self):
        return self.build_dir / "httpgate"

    @property
    def httpgate_binaries(self):
        """Each httpgate peer's binary: this build's, then the others'."""
        others = {compare_peer(name): Path(path) for name, path in self.httpgate_compare.items()}
        return {"httpgate": self.httpgate, **others}


def _compare(text):
    """BENCH_HTTPGATE_COMPARE's NAME=PATH pairs as {NAME: absolute path},
    checked here so that a typo stops the run before it starts instead of
    failing every round (and absolute, because peers start in their own
    directories)."""
    builds = {}
    for pair in text.split():
        name, sep, path = pair.partition("=")
        if not sep or not path or not COMPARE_NAME.fullmatch(name):
            raise SystemExit(f"BENCH_HTTPGATE_COMPARE: {pair!r} is not NAME=PATH "
                             "with a NAME of letters, digits, '.', '_' and '-'")
        if name in builds:
            raise SystemExit(f"BENCH_HTTPGATE_COMPARE: {name} is named twice")
        binary = Path(os.path.abspath(os.path.expanduser(path)))
        if not binary.is_file() or not os.access(binary, os.X_OK):
            raise SystemExit(f"BENCH_HTTPGATE_COMPARE: {name}={path}: {binary} "
                             "does not exist or is not executable")
        builds[name] = str(binary)
    return builds


def peer_order(compare, variants=()):
    """PEER_ORDER with the other httpgate builds, then the `variants` of
    httpgate's configuration, right after httpgate, so that within a round
    each measurement runs on them one after another."""
    return (PEER_ORDER[:1] + [compare_peer(name) for name in compare] + list(variants) +
            PEER_ORDER[1:])


def _peers(wanted, compare):
    """The peers of the run in their order: the BENCH_PEERS subset (all but
    the configuration variants when empty: those only when named), and the
    other httpgate builds whether it names them or not."""
    if not wanted:
        return peer_order(compare)
    order = peer_order(compare, VARIANT_ORDER)
    unknown = [p for p in wanted if p not in order]
    if unknown:
        raise SystemExit(f"BENCH_PEERS: unknown peer(s) {unknown}; known: {order}")
    wanted = set(wanted) | {compare_peer(name) for name in compare}
    return [p for p in order if p in wanted]


def load(repo):
    """Settings from BENCH_* variables; BENCH_QUICK=1 is a short smoke run
    whose other variables still win when set."""
    repo = Path(repo)
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    s = Settings(repo=repo,
                 build_dir=Path(os.environ.get("BENCH_BUILD_DIR", repo / "build-bench")),
                 results_dir=Path(os.environ.get("BENCH_RESULTS", repo / "bench" / "results")),
                 quick=quick)
    if quick:
        s.rounds, s.seconds, s.handshake_seconds = 1, 3.0, 3.0
        s.latency_count, s.latency_cap_seconds = 200, 5.0
        s.hold_counts = [500, 2000]
        s.settle_seconds = 0.5
        s.visitors = 100
    s.rounds = _int("BENCH_ROUNDS", s.rounds)
    s.seconds = _float("BENCH_SECONDS", s.seconds)
    if "BENCH_SECONDS" in os.environ:
        s.handshake_seconds = s.seconds
    s.handshake_seconds = _float("BENCH_HANDSHAKE_SECONDS", s.handshake_seconds)
    s.handshake_concurrency = _int("BENCH_HANDSHAKE_CONCURRENCY", s.handshake_concurrency)
    s.wrk_connections = _int("BENCH_CONNECTIONS", s.wrk_connections)
    s.latency_count = _int("BENCH_LATENCY_COUNT", s.latency_count)
    if os.environ.get("BENCH_HOLD", "").strip():
        s.hold_counts = [int(n) for n in os.environ["BENCH_HOLD"].split(",") if n.strip()]
    s.httpgate_legacy_hold_cap = _int("BENCH_HTTPGATE_LEGACY_HOLD_CAP", s.httpgate_legacy_hold_cap)
    s.httpgate_compare = _compare(os.environ.get("BENCH_HTTPGATE_COMPARE", ""))
    s.peers = _peers([p.strip() for p in os.environ.get("BENCH_PEERS", "").split(",")
                      if p.strip()], s.httpgate_compare)
    s.burst_count = _int("BENCH_BURST", s.burst_count)
    s.h2_streams = _int("BENCH_H2_STREAMS", s.h2_streams)
    s.visitors = _int("BENCH_VISITORS", s.visitors)
    if os.environ.get("BENCH_MEASUREMENTS", "").strip():
        wanted = [m.strip() for m in os.environ["BENCH_MEASUREMENTS"].split(",")]
        unknown = [m for m in wanted if m not in MEASUREMENT_ORDER]
        if unknown:
            raise SystemExit(f"BENCH_MEASUREMENTS: unknown {unknown}; known: {MEASUREMENT_ORDER}")
        s.measurements = [m for m in MEASUREMENT_ORDER if m in wanted]
    for pair in os.environ.get("BENCH_HTTPGATE_ENV", "").split():
        name, _, value = pair.partition("=")
        s.httpgate_env[name] = value
    s.keep_tmp = os.environ.get("BENCH_KEEP_TMP", "") not in ("", "0")
    s.chart = os.environ.get("BENCH_CHART", "1") != "0"
    if s.rounds < 1:
        raise SystemExit("BENCH_ROUNDS must be at least 1")
    if s.h2_streams < 1 or s.visitors < 1:
        raise SystemExit("BENCH_H2_STREAMS and BENCH_VISITORS must be at least 1")
    return s
