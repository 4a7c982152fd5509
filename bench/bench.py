#!/usr/bin/env python3
"""The side-by-side benchmark: httpgate, nginx, HAProxy, PicoLisp's httpGate
and the backend directly. Normally started by bench/run.sh, which installs
and builds first; see bench/README.md for the BENCH_* variables."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hgbench import report, settings  # noqa: E402
from hgbench.runner import Run, Stop  # noqa: E402


def main():
    s = settings.load(Path(__file__).resolve().parent.parent)
    for binary in (s.httpgate, s.client):
        if not binary.exists():
            sys.exit(f"{binary} is missing: run bench/run.sh (it builds into {s.build_dir})")
    workdir = Path(tempfile.mkdtemp(prefix="hgbench-"))
    workdir.chmod(0o755)  # nginx workers run as nobody and serve the 1 MiB file from here
    print(f"work directory {workdir}; peers {', '.join(s.peers)}; {s.rounds} round(s)", flush=True)
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
        from hgbench import chart
        chart.draw(data, s.results_dir / "results.png")
    print(f"wrote {s.results_dir}/results.md, results.json"
          f"{', results.png' if s.chart else ''} in {info['elapsed_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
