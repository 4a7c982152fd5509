"""Running the load generators: wrk, and httpgate-bench-client's modes."""

import json
import os
import selectors
import subprocess
import time
from pathlib import Path

WRK_SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "report.lua"


class ToolError(RuntimeError):
    pass


def wrk(url, seconds, connections, threads=2):
    """wrk's summary as a dict (see bench/wrk/report.lua)."""
    seconds = max(1, round(seconds))  # wrk takes whole seconds
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
            "--timeout", "10s", "-s", str(WRK_SCRIPT), url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            result = json.loads(line[len("WRKJSON "):])
            result["errors"] = sum(result[k] for k in ("connect_errors", "read_errors",
                                                      "write_errors", "status_errors",
                                                      "timeout_errors"))
            return result
    raise ToolError(f"wrk printed no summary (exit {out.returncode}): {out.stderr.strip()}")


def client(binary, mode, port, *args, timeout):
    """Runs httpgate-bench-client MODE --port PORT ARGS; its JSON as a dict."""
    argv = [str(binary), mode, "--port", str(port), *map(str, args)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise ToolError(f"{mode} printed no result (exit {out.returncode}): {out.stderr.strip()}")


class Hold:
    """httpgate-bench-client hold: N idle connections while it runs."""

    def __init__(self, binary, port, count, concurrency, plain, timeout=300.0):
        argv = [str(binary), "hold", "--port", str(port), "--count", str(count),
                "--concurrency", str(concurrency)]
        if plain:
            argv.append("--plain")
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.result = self._read_result(timeout)

    def _read_result(self, timeout):
        """Waits for the JSON line that follows "holding N" (raw reads: a
        buffered reader could hold that line while select() sleeps)."""
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        pending = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    break
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
                for line in pending.split(b"\n")[:-1]:
                    if line.startswith(b"{"):
                        return json.loads(line)
        self.release()
        raise ToolError(f"hold: no result within {timeout:.0f} s")

    def release(self, timeout=60.0):
        """Ends the hold (stdin EOF) and waits for the client to exit."""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=timeout)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
