"""Running the load generators: wrk, and httpgate-bench-client's modes."""

import json
import math
import os
import re
import selectors
import subprocess
import tempfile
import time
from pathlib import Path

WRK_SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "report.lua"

# OpenSSL's own client order, which wrk and the bench client send: h2load's
# default puts AES-128-GCM first, which nginx (no server preference) would
# take while httpgate and HAProxy pick AES-256-GCM; the same list for
# every tool keeps every peer on TLS_AES_256_GCM_SHA384.
H2LOAD_TLS13_CIPHERS = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"


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


def _h2load_seconds(text):
    """h2load's "finished in 3.04s" / "472.60ms" in seconds."""
    found = re.search(r"^finished in ([\d.]+)(ms|s),", text, re.M)
    if not found:
        return None
    return float(found.group(1)) / (1000.0 if found.group(2) == "ms" else 1.0)


def _h2load_summary(text):
    """The figures of h2load's report as a dict (counts as ints)."""
    result = {"seconds": _h2load_seconds(text)}
    requests = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                         r"(\d+) failed, (\d+) errored, (\d+) timeout", text, re.M)
    statuses = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text, re.M)
    traffic = re.search(r"^traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers .*?\((\d+)\) data",
                        text, re.M)
    if not (requests and statuses and traffic and result["seconds"]):
        return None
    for key, value in zip(("total", "started", "done", "succeeded", "failed", "errored",
                           "timeout"), requests.groups()):
        result[key] = int(value)
    for key, value in zip(("status_2xx", "status_3xx", "status_4xx", "status_5xx"),
                          statuses.groups()):
        result[key] = int(value)
    for key, value in zip(("bytes_total", "bytes_headers", "bytes_data"), traffic.groups()):
        result[key] = int(value)
    for key, pattern in (("application_protocol", r"^Application protocol: (\S+)"),
                         ("tls_protocol", r"^TLS Protocol: (\S+)"),
                         ("cipher", r"^Cipher: (\S+)"),
                         ("group", r"^Server Temp Key: (\S+)")):
        found = re.search(pattern, text, re.M)
        result[key] = found.group(1) if found else ""
    result["errors"] = (result["failed"] + result["errored"] + result["timeout"] +
                        result["status_3xx"] + result["status_4xx"] + result["status_5xx"])
    return result


def _nearest_rank(ordered, fraction):
    """The nearest-rank percentile of a sorted, non-empty list."""
    rank = math.ceil(fraction * len(ordered))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def _h2load_latency(log_path):
    """p50, p99 and mean of h2load's per-request times (--log-file: start
    µs, status, µs to the end of the response), in µs; None without rows.
    h2load itself prints only min, max, mean and sd."""
    times = []
    with open(log_path) as log:
        for line in log:
            columns = line.split("\t")
            if len(columns) >= 3 and columns[1].startswith("2"):
                times.append(int(columns[2]))
    if not times:
        return None
    times.sort()
    return {"p50_us": _nearest_rank(times, 0.50), "p99_us": _nearest_rank(times, 0.99),
            "mean_us": sum(times) / len(times), "logged": len(times)}


def h2load(url, connections, streams, threads=2, seconds=None, requests=None, h1=False,
           timeout=None):
    """Runs h2load for `seconds` (-D) or for `requests` in all (-n) with
    `connections` clients of `streams` concurrent streams each (with
    h1=True: HTTP/1.1 only, one request at a time per connection). Returns
    its summary and the latency percentiles of its per-request log; raises
    ToolError when it printed no summary. Judging the protocol and the
    errors is the caller's."""
    threads = max(1, min(threads, connections))  # h2load wants no more threads than clients
    argv = ["h2load", "-c", str(connections), "-m", "1" if h1 else str(streams),
            "-t", str(threads), f"--tls13-ciphers={H2LOAD_TLS13_CIPHERS}"]
    if seconds is not None:
        argv += ["-D", str(max(1, round(seconds)))]
    else:
        argv += ["-n", str(requests)]
    if h1:
        argv.append("--h1")
    limit = timeout or (seconds or 0) + 120
    with tempfile.TemporaryDirectory(prefix="hgbench-h2load-") as scratch:
        log_path = Path(scratch) / "requests.tsv"
        out = subprocess.run(argv + [f"--log-file={log_path}", url], capture_output=True,
                             text=True, timeout=limit)
        summary = _h2load_summary(out.stdout)
        if summary is None:
            tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-5:])
            raise ToolError(f"h2load printed no summary (exit {out.returncode}): {tail}")
        latency = _h2load_latency(log_path) if log_path.exists() else None
    summary.update(latency or {"p50_us": None, "p99_us": None, "mean_us": None, "logged": 0})
    return summary


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

    def __init__(self, binary, port, count, concurrency, plain, timeout=300.0, requests=1,
                 h2=False, proxy_v2=False):
        """`requests` per connection before it idles: one after another, or
        with h2=True as concurrent HTTP/2 streams (ALPN h2, else an error);
        proxy_v2=True: a PROXY v2 header first on each connection."""
        argv = [str(binary), "hold", "--port", str(port), "--count", str(count),
                "--concurrency", str(concurrency)]
        if plain:
            argv.append("--plain")
        if requests != 1:
            argv += ["--requests", str(requests)]
        if h2:
            argv.append("--h2")
        if proxy_v2:
            argv.append("--proxy-v2")
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
