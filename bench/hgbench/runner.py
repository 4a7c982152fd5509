"""One benchmark run: the backend, the peers round by round, every
measurement alternating over the peers, everything stopped at the end."""

import re
import signal
import time
import traceback

from . import cgroup, certs, checks, crypto, measure, peers, sysinfo
from .backend import Backend


class Stop(Exception):
    """A signal asked the run to end; cleanup still happens."""


def _raise_stop(signum, _frame):
    raise Stop(f"signal {signum}")


def _short(result):
    """The figures worth a progress line."""
    keys = ["requests_per_s", "cpu_us_per_request", "connections_per_s", "cpu_us_per_handshake",
            "mib_per_s", "cpu_us_per_mib", "p50_ms", "p99_ms", "base_rss_anon_kib",
            "peak_rss_anon_kib", "rss_anon_kib_10s", "seconds_back",
            "backend_connections_per_1k_requests", "proxy_headers_per_connection", "alpn"]
    keys += sorted(k for k in result
                   if k.startswith(("cpu_us_per_visit_", "connections_per_visitor_",
                                    "rss_kib_per_visitor_", "rss_h2_over_h1_")))
    keys += sorted(k for k in result if k.startswith(("rss_kib_per_conn_", "pss_kib_per_conn_")))
    keys += sorted(k for k in result if k.startswith("errors"))
    return ", ".join(f"{k}={result[k]:.4g}" if isinstance(result[k], float) else f"{k}={result[k]}"
                     for k in keys if result.get(k) is not None)


def _worth_reading(log):
    """A peer's log without its start-up notices, process ids masked so
    that the same line from every round reads the same."""
    lines = [line for line in log.splitlines() if line.strip() and "[NOTICE]" not in line]
    text = "\n".join(lines)
    text = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", "", text, flags=re.M)  # nginx's time
    text = re.sub(r"\(\d+\) :|\b\d+#\d+:", "(pid):", text).strip()
    return _once(text.splitlines())


def _once(lines):
    """Each line once, counted: a peer restarted within a round (the
    HTTP/2 memory measurements) logs its start-up warnings again each time."""
    counts = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return "\n".join(line if n == 1 else f"{line} (×{n})" for line, n in counts.items())


class Run:
    def __init__(self, settings, workdir):
        self.settings = settings
        self.workdir = workdir
        self.use_cgroup = cgroup.available()
        self.backend = None
        self.peers = []
        self.samples = []  # {"round", "measurement", "peer", "result"}
        self.events = []   # crashes, restarts, failures, log lines worth reading
        self.started = time.monotonic()

    def execute(self):
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, _raise_stop)
        s = self.settings
        info = {"machine": sysinfo.describe(s.repo), "load_before": sysinfo.load_average(),
                "cpu_accounting": "cgroup-v1 cpuacct" if self.use_cgroup else "/proc/PID/stat",
                "versions": peers.versions(s.httpgate_binaries)}
        started = self.started = time.monotonic()
        try:
            print("crypto floor (openssl speed) ...", flush=True)
            info["crypto_floor"] = crypto.measure()
            made = {kind: certs.make(self.workdir, kind) for kind in ("ecdsa", "rsa")}
            self.backend = Backend(self.workdir, self.use_cgroup)
            self.backend.start()
            self.peers = [peers.make(name, self.workdir, made, self.backend, self.use_cgroup,
                                     s.httpgate_binaries, s.httpgate_env) for name in s.peers]
            for round_number in range(1, s.rounds + 1):
                self._round(round_number)
        finally:
            self._stop_all()
        info["load_after"] = sysinfo.load_average()
        info["elapsed_seconds"] = round(time.monotonic() - started)
        return info

    def _round(self, number):
        s = self.settings
        for peer in self.peers:
            peer.start()
            for problem in checks.check(peer, self.backend.port):
                self.events.append({"round": number, "peer": peer.name, "event": "check",
                                    "problem": problem})
                print(f"[round {number}/{s.rounds}] check {peer.name}: {problem}", flush=True)
        context = measure.Context(s, self.backend)
        try:
            for m in measure.MEASUREMENTS:
                if m.name not in s.measurements:
                    continue
                for peer in self.peers:
                    if m.applies(peer):
                        self._measure(number, m, peer, context)
        finally:
            for peer in self.peers:
                self._collect_log(number, peer)
                left = peer.stop()
                if left:
                    self.events.append({"round": number, "peer": peer.name,
                                        "event": f"processes left after stop: {left}"})

    def _measure(self, number, m, peer, context):
        s = self.settings
        minutes, seconds = divmod(int(time.monotonic() - self.started), 60)
        label = (f"{minutes:3d}:{seconds:02d} [round {number}/{s.rounds}] "
                 f"{m.name:<16} {peer.name:<{self._name_width()}}")
        try:
            result = measure.RUNNERS[m.name](context, peer)
        except Stop:
            raise
        except Exception as error:  # one failed run must not lose the others
            self.events.append({"round": number, "measurement": m.name, "peer": peer.name,
                                "event": f"failed: {error}"})
            print(f"{label} FAILED: {error}", flush=True)
            traceback.print_exc()
            result = None
        if result is not None:
            self.samples.append({"round": number, "measurement": m.name, "peer": peer.name,
                                 "result": result})
            print(f"{label} {_short(result)}", flush=True)
        if peer.proxy and not peer.alive():
            self.events.append({"round": number, "measurement": m.name, "peer": peer.name,
                                "event": "exited during the measurement; restarted",
                                "log": peer.service.log_tail() if peer.service else ""})
            print(f"{label} the peer EXITED; restarting", flush=True)
            peer.stop()
            peer.start()
        time.sleep(s.settle_seconds)

    def _name_width(self):
        """Progress lines stay aligned with longer names (httpgate@NAME)."""
        return max([9] + [len(peer.name) for peer in self.peers])

    def _collect_log(self, number, peer):
        if peer.proxy and peer.service:
            tail = _worth_reading(peer.service.log_tail(40))
            if tail:
                self.events.append({"round": number, "peer": peer.name, "event": "log",
                                    "log": tail})

    def _stop_all(self):
        for peer in self.peers:
            try:
                peer.stop()
            except Exception as error:
                print(f"stopping {peer.name}: {error}", flush=True)
        if self.backend:
            self.backend.stop()
