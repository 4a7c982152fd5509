"""The app-server benchmark's settings, from BENCH_* variables (see the
app-server section of bench/README.md)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

PEER_ORDER = ["picolisp", "fork", "pool", "sequential"]
MEASUREMENT_ORDER = ["direct", "gate", "memory", "forkrate"]


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _float(name, default):
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def _list(name, default, known):
    value = os.environ.get(name, "")
    chosen = [item.strip() for item in value.split(",") if item.strip()] or list(default)
    unknown = [item for item in chosen if item not in known]
    if unknown:
        raise SystemExit(f"{name}: unknown {', '.join(unknown)} (known: {', '.join(known)})")
    return [item for item in known if item in chosen]


@dataclass
class Settings:
    repo: Path
    build_dir: Path
    results_dir: Path
    quick: bool = False
    rounds: int = 3
    seconds: float = 4.0           # each sessions/s run (a fresh app each)
    session_cap: int = 3000        # at most this many sessions per run
    clients: list = field(default_factory=lambda: [1, 16])
    idle_sessions: int = 100       # memory: sessions opened, then measured idle
    session_timeout: float = 10.0  # the apps' --timeout (PicoLisp: *Timeout) in sessions/s runs
    max_sessions: int = 10000      # notes-app --max-sessions: above session_cap, never the limit
    forkrate_seconds: float = 3.0
    peers: list = field(default_factory=lambda: list(PEER_ORDER))
    measurements: list = field(default_factory=lambda: list(MEASUREMENT_ORDER))
    keep_tmp: bool = False
    chart: bool = True

    @property
    def notes_app(self):
        return self.build_dir / "httpgate-notes-app"

    @property
    def httpgate(self):
        return self.build_dir / "httpgate"

    @property
    def visitor(self):
        return self.build_dir / "bench" / "httpgate-appserver-visitor"

    @property
    def forkrate(self):
        return self.build_dir / "bench" / "httpgate-forkrate"

    @property
    def picolisp_app(self):
        return self.repo / "bench" / "appserver" / "notes.l"


def load(repo):
    quick = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    build = Path(os.environ.get("BENCH_BUILD_DIR", "build-bench"))
    results = Path(os.environ.get("BENCH_RESULTS", "bench/results/appserver"))
    s = Settings(repo=repo, build_dir=build if build.is_absolute() else repo / build,
                 results_dir=results if results.is_absolute() else repo / results, quick=quick)
    if quick:
        s.rounds, s.seconds, s.idle_sessions, s.forkrate_seconds = 1, 2.0, 30, 1.0
    s.rounds = _int("BENCH_ROUNDS", s.rounds)
    s.seconds = _float("BENCH_SECONDS", s.seconds)
    s.session_cap = _int("BENCH_SESSION_CAP", s.session_cap)
    s.idle_sessions = _int("BENCH_IDLE_SESSIONS", s.idle_sessions)
    s.session_timeout = _float("BENCH_SESSION_TIMEOUT", s.session_timeout)
    s.peers = _list("BENCH_PEERS", PEER_ORDER, PEER_ORDER)
    s.measurements = _list("BENCH_MEASUREMENTS", MEASUREMENT_ORDER, MEASUREMENT_ORDER)
    s.keep_tmp = os.environ.get("BENCH_KEEP_TMP", "0") not in ("", "0")
    s.chart = os.environ.get("BENCH_CHART", "1") not in ("", "0")
    if s.rounds < 1 or s.seconds <= 0 or s.session_cap < 1 or s.idle_sessions < 1:
        raise SystemExit("BENCH_ROUNDS, BENCH_SECONDS, BENCH_SESSION_CAP and "
                         "BENCH_IDLE_SESSIONS must be positive")
    if s.session_cap >= s.max_sessions:
        raise SystemExit(f"BENCH_SESSION_CAP must stay below {s.max_sessions}")
    return s
