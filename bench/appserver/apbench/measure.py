"""The measurements, each on a freshly started app: new sessions/s and
the first page's latency (directly and through the gate), private memory
per idle session, and the machine's fork rate."""

import json
import subprocess
import time

from hgbench import procfs


class ToolError(RuntimeError):
    pass


def _json_line(argv, timeout):
    out = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise ToolError(f"{argv[0]} printed no result (exit {out.returncode}): {out.stderr.strip()}")


def visitor(settings, port, clients, seconds, count, tls=False, pids=False):
    argv = [settings.visitor, "--port", port, "--clients", clients, "--seconds", seconds,
            "--count", count]
    if tls:
        argv.append("--tls")
    if pids:
        argv.append("--pids")
    return _json_line(argv, timeout=seconds + 120)


def _figures(result):
    keep = ("sessions_per_s", "p50_ms", "p99_ms", "mean_ms", "first_response_p50_ms", "sessions", "errors", "seconds",
            "redirects_per_session", "first_error")
    return {key: result[key] for key in keep}


def sessions(ctx, app, clients, through_gate):
    """New sessions for settings.seconds (at most session_cap) with
    `clients` visitors at once, on an app started for this run."""
    s = ctx.settings
    app.start(s.session_timeout)
    try:
        port = app.port
        if through_gate:
            ctx.gate.start(app.port)
            port = ctx.gate.port
        result = visitor(s, port, clients, s.seconds, s.session_cap, tls=through_gate)
        figures = _figures(result)
        figures["capped"] = result["sessions"] + result["errors"] >= s.session_cap
        return figures
    finally:
        if through_gate:
            ctx.gate.stop()


def _quiet_private(pids, timeout=10.0):
    """Private KiB of `pids` once two readings 0.5 s apart agree within 1%."""
    last = procfs.private_kib(pids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = procfs.private_kib(pids)
        if abs(now - last) <= 0.01 * max(now, 1):
            return now
        last = now
    return last


def memory(ctx, app):
    """settings.idle_sessions sessions opened one after another on a fresh
    app (session timeout long enough to outlive the reading), then, once
    quiet, Private_Clean + Private_Dirty of the processes that serve them
    (the pids their pages' footers name) per session; sequential: the
    growth of its one process divided by the sessions."""
    s = ctx.settings
    count = s.idle_sessions
    app.start(max(300.0, 10 * s.session_timeout))
    parent = app.pid
    children_before = set(procfs.children(parent))
    parent_before = _quiet_private([parent], timeout=3.0)
    result = visitor(s, app.port, 1, 300, count, pids=True)
    served = set(result["pids"])
    figures = {"sessions": result["sessions"], "errors": result["errors"],
               "first_error": result["first_error"], "parent_private_kib_before": parent_before}
    if result["sessions"] == 0:
        raise ToolError(f"no session opened: {result['first_error']}")
    if app.forks_sessions:
        if parent in served:
            raise ToolError("a page names the parent's pid: not a session process")
        total = _quiet_private(sorted(served))
        figures["session_processes"] = len(served)
        figures["private_kib_per_session"] = total / len(served)
        figures["rss_kib_per_session"] = procfs.memory_kib(sorted(served))[0] / len(served)
        children = set(procfs.children(parent))
        # Ready processes: the pool's, forked before or after the visits,
        # serving nobody (the figure leaves them out).
        figures["ready_processes"] = len(children - served)
        figures["ready_processes_before"] = len(children_before)
    else:
        after = _quiet_private([parent])
        figures["private_kib_per_session"] = (after - parent_before) / result["sessions"]
        figures["parent_private_kib_after"] = after
    figures["parent_private_kib"] = procfs.private_kib([parent])
    return figures


def forkrate(ctx):
    return _json_line([ctx.settings.forkrate, ctx.settings.forkrate_seconds], timeout=120)


# (name, group in BENCH_MEASUREMENTS, runner(ctx, app) or None for the machine)
MEASUREMENTS = [
    ("sessions_1", "direct", lambda ctx, app: sessions(ctx, app, 1, False)),
    ("sessions_16", "direct", lambda ctx, app: sessions(ctx, app, 16, False)),
    ("gate_1", "gate", lambda ctx, app: sessions(ctx, app, 1, True)),
    ("gate_16", "gate", lambda ctx, app: sessions(ctx, app, 16, True)),
    ("memory", "memory", memory),
    ("forkrate", "forkrate", None),
]


class Context:
    def __init__(self, settings, gate):
        self.settings = settings
        self.gate = gate
