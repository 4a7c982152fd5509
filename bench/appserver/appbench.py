#!/usr/bin/env python3
"""The app-server benchmark: PicoLisp's app server against
httpgate-notes-app in each execution model, directly and through
httpgate, rounds alternating over the peers. Started by
bench/appserver/run.sh, which installs and builds first; see the
app-server section of bench/README.md for the BENCH_* variables."""

import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # hgbench
sys.path.insert(0, str(HERE))         # apbench

from apbench import apps, measure, report, settings  # noqa: E402
from apbench.gate import Gate  # noqa: E402
from hgbench import certs, cgroup, sysinfo  # noqa: E402


class Stop(Exception):
    """A signal asked the run to end; cleanup still happens."""


def _raise_stop(signum, _frame):
    raise Stop(f"signal {signum}")


def _short(result):
    keys = ("sessions_per_s", "p50_ms", "p99_ms", "errors", "private_kib_per_session",
            "session_processes", "ready_processes", "forks_per_s", "first_error")
    return ", ".join(f"{k}={result[k]:.4g}" if isinstance(result[k], float) else f"{k}={result[k]}"
                     for k in keys if result.get(k) not in (None, ""))


class Run:
    def __init__(self, s, workdir):
        self.s = s
        self.workdir = workdir
        self.use_cgroup = cgroup.available()
        self.samples = []
        self.events = []
        self.apps = []
        self.gate = None
        self.started = time.monotonic()

    def execute(self):
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, _raise_stop)
        s = self.s
        model_flag = apps.model_supported(s.notes_app, "fork")
        info = {"machine": sysinfo.describe(s.repo), "load_before": sysinfo.load_average(),
                "notes_app_has_model_flag": model_flag}
        try:
            certificate = certs.make(self.workdir, "ecdsa")
            self.gate = Gate(s, self.workdir, certificate, self.use_cgroup)
            self.apps = [apps.App(name, s, self.workdir, self.use_cgroup, model_flag)
                         for name in s.peers]
            context = measure.Context(s, self.gate)
            for number in range(1, s.rounds + 1):
                self._round(number, context)
        finally:
            self._stop_all()
        info["load_after"] = sysinfo.load_average()
        info["elapsed_seconds"] = round(time.monotonic() - self.started)
        return info

    def _round(self, number, context):
        for name, group, runner in measure.MEASUREMENTS:
            if group not in self.s.measurements:
                continue
            if runner is None:
                self._measure(number, name, "machine", lambda: measure.forkrate(context))
                continue
            for app in self.apps:
                self._measure(number, name, app.name, lambda: runner(context, app), app)

    def _measure(self, number, name, peer, run, app=None):
        minutes, seconds = divmod(int(time.monotonic() - self.started), 60)
        label = f"{minutes:3d}:{seconds:02d} [round {number}/{self.s.rounds}] {name:<12} {peer:<10}"
        try:
            result = run()
        except Stop:
            raise
        except Exception as error:  # one failed run must not lose the others
            self.events.append({"round": number, "measurement": name, "peer": peer,
                                "event": f"failed: {error}"})
            print(f"{label} FAILED: {error}", flush=True)
            traceback.print_exc()
            result = None
        finally:
            if app is not None:
                self._stop_app(number, name, app)
        if result is not None:
            self.samples.append({"round": number, "measurement": name, "peer": peer,
                                 "result": result})
            print(f"{label} {_short(result)}", flush=True)

    def _stop_app(self, number, name, app):
        alive = app.alive()
        tail = app.log_tail(5)
        left = app.stop()
        if not alive:
            self.events.append({"round": number, "measurement": name, "peer": app.name,
                                "event": "the app had exited before the end of the run",
                                "log": tail})
        if left:
            self.events.append({"round": number, "measurement": name, "peer": app.name,
                                "event": f"processes left after stop: {left}"})

    def _stop_all(self):
        for app in self.apps:
            try:
                app.stop()
            except Exception as error:
                print(f"stopping {app.name}: {error}", flush=True)
        if self.gate:
            self.gate.stop()


def main():
    s = settings.load(HERE.parent.parent)
    needed = [s.notes_app, s.visitor, s.forkrate] + ([s.httpgate] if "gate" in s.measurements
                                                    else [])
    for binary in needed:
        if not binary.exists():
            sys.exit(f"{binary} is missing: run bench/appserver/run.sh (it builds into "
                     f"{s.build_dir})")
    if not os.environ.get("BENCH_PEERS", "").strip():
        # By default, the models this notes app has (--model came with issue
        # 16, the models one by one); a peer named in BENCH_PEERS runs anyway
        # and fails visibly.
        missing = [p for p in s.peers if p in ("pool", "sequential")
                   and not apps.model_supported(s.notes_app, p)]
        if missing:
            print(f"{s.notes_app} has no --model {', '.join(missing)}: left out", flush=True)
            s.peers = [p for p in s.peers if p not in missing]
    workdir = Path(tempfile.mkdtemp(prefix="apbench-"))
    print(f"work directory {workdir}; peers {', '.join(s.peers)}; {s.rounds} round(s) of "
          f"{s.seconds:g} s runs", flush=True)
    run = Run(s, workdir)
    try:
        info = run.execute()
    except Stop as stop:
        print(f"stopped by {stop}", flush=True)
        return 130
    finally:
        if not s.keep_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    data = report.assemble(s, info, run.samples, run.events)
    s.results_dir.mkdir(parents=True, exist_ok=True)
    (s.results_dir / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    (s.results_dir / "results.md").write_text(report.markdown(data))
    if s.chart:
        from apbench import chart
        chart.draw(data, s.results_dir / "results.png")
    print(f"wrote {s.results_dir}/results.md, results.json"
          f"{', results.png' if s.chart else ''} in {info['elapsed_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
