"""results.json and results.md: the medians per peer, the ratios
notes-app model / PicoLisp, the issue's targets, the fork floor."""

import dataclasses

from hgbench.aggregate import median, ratio, summarize

from .apps import LABELS

# (measurement, key, row title, digits)
ROWS = [
    ("sessions_1", "sessions_per_s", "new sessions/s, 1 client", 0),
    ("sessions_16", "sessions_per_s", "new sessions/s, 16 clients", 0),
    ("sessions_1", "p50_ms", "first page p50 ms, 1 client", 2),
    ("sessions_1", "p99_ms", "first page p99 ms, 1 client", 2),
    ("sessions_1", "first_response_p50_ms", "of which the first response (303 or page) p50 ms", 2),
    ("sessions_16", "p50_ms", "first page p50 ms, 16 clients", 2),
    ("memory", "private_kib_per_session", "private KiB per idle session", 1),
    ("gate_1", "sessions_per_s", "through httpgate: new sessions/s, 1 client", 0),
    ("gate_16", "sessions_per_s", "through httpgate: new sessions/s, 16 clients", 0),
    ("gate_1", "p50_ms", "through httpgate: first page p50 ms, 1 client", 2),
    ("gate_1", "p99_ms", "through httpgate: first page p99 ms, 1 client", 2),
]

# (peer, measurement, key, bound, "<=" or ">=", what)
TARGETS = [("pool", "sessions_1", "p50_ms", 0.3, "<=", "pool: first page p50 (1 client)"),
           ("pool", "sessions_16", "sessions_per_s", 2.0, ">=",
            "pool: new sessions/s, 16 clients")] + [
    (model, "memory", "private_kib_per_session", 0.5, "<=",
     f"{model}: private memory per idle session") for model in ("fork", "pool", "sequential")]

REFERENCE = "picolisp"


def assemble(settings, info, samples, events):
    summary = summarize(samples)
    targets = []
    for peer, measurement, key, bound, sense, what in TARGETS:
        value = ratio(summary, measurement, key, peer, REFERENCE)
        met = None if value is None else (value <= bound if sense == "<=" else value >= bound)
        targets.append({"what": what, "peer": peer, "measurement": measurement, "key": key,
                        "bound": bound, "sense": sense, "ratio": value, "met": met})
    plain = {k: (str(v) if hasattr(v, "__fspath__") else v)
             for k, v in dataclasses.asdict(settings).items()}
    return {"settings": plain, "info": info, "samples": samples, "summary": summary,
            "targets": targets, "events": events}


def _number(value, digits):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def _spread(summary, measurement, peer, key, digits):
    figure = summary.get(measurement, {}).get(peer, {}).get(key)
    if not figure or figure.get("median") is None or figure["rounds"] < 2:
        return ""
    return f" ({_number(figure['min'], digits)}–{_number(figure['max'], digits)})"


def _table(data):
    summary = data["summary"]
    peers = data["settings"]["peers"]
    models = [p for p in peers if p != REFERENCE]
    head = ["figure"] + [LABELS[p] for p in peers]
    if REFERENCE in peers:
        head += [f"{p} / PicoLisp" for p in models]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for measurement, key, title, digits in ROWS:
        if measurement not in summary:
            continue
        cells = [title]
        for peer in peers:
            cells.append(_number(median(summary, measurement, peer, key), digits) +
                         _spread(summary, measurement, peer, key, digits))
        if REFERENCE in peers:
            cells += [_ratio(ratio(summary, measurement, key, peer, REFERENCE))
                      for peer in models]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _targets(data):
    lines = ["| target | bound | ratio | |", "|---|---|---|---|"]
    for t in data["targets"]:
        verdict = "—" if t["met"] is None else ("met" if t["met"] else "**missed**")
        lines.append(f"| {t['what']} vs PicoLisp | {'≤' if t['sense'] == '<=' else '≥'} "
                     f"{t['bound']}× | {_ratio(t['ratio'])} | {verdict} |")
    return "\n".join(lines)


def _fork_floor(data):
    summary = data["summary"]
    forks = median(summary, "forkrate", "machine", "forks_per_s")
    if forks is None:
        return "The fork rate was not measured (BENCH_MEASUREMENTS)."
    us = median(summary, "forkrate", "machine", "us_per_fork")
    lines = [f"A minimal process (`httpgate-forkrate`: fork, `_exit`, `waitpid`) forks "
             f"**{forks:,.0f}/s** here ({us:,.0f} µs per fork, median of the rounds). "
             "New sessions/s at 16 clients against that floor:", "",
             "| peer | sessions/s, 16 clients | / minimal fork rate | forks per session |",
             "|---|---|---|---|"]
    for peer in data["settings"]["peers"]:
        rate = median(summary, "sessions_16", peer, "sessions_per_s")
        if rate is None:
            continue
        per = "0 (no process per session)" if peer == "sequential" else "1"
        lines.append(f"| {LABELS[peer]} | {rate:,.0f} | {rate / forks:.2f}× | {per} |")
    return "\n".join(lines)


def _memory_detail(data):
    summary = data["summary"]
    lines = ["| peer | sessions opened | session processes | ready processes after | "
             "parent private KiB | RSS KiB per session process |", "|---|---|---|---|---|---|"]
    for peer in data["settings"]["peers"]:
        if peer not in summary.get("memory", {}):
            continue
        cells = [LABELS[peer]]
        for key, digits in (("sessions", 0), ("session_processes", 0), ("ready_processes", 0),
                            ("parent_private_kib", 0), ("rss_kib_per_session", 0)):
            cells.append(_number(median(summary, "memory", peer, key), digits))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _errors(data):
    lines = []
    for measurement, by_peer in data["summary"].items():
        for peer, figures in by_peer.items():
            errors = figures.get("errors", {}).get("median")
            if errors:
                first = figures.get("first_error", {}).get("value", "")
                lines.append(f"- {measurement}, {peer}: {errors:.0f} failed visits in all "
                             f"({first})")
    for event in data["events"]:
        lines.append(f"- round {event.get('round')}, {event.get('measurement', '')} "
                     f"{event.get('peer', '')}: {event['event']}")
    return "\n".join(lines) or "None."


def markdown(data):
    s = data["settings"]
    info = data["info"]
    machine = info["machine"]
    return f"""# App-server benchmark: PicoLisp against httpgate-notes-app's models

{s['rounds']} round(s), medians (the lowest and highest round in brackets);
each sessions/s run lasts {s['seconds']:g} s (at most {s['session_cap']:,} sessions) on a
freshly started app with a {s['session_timeout']:g} s session timeout; memory with
{s['idle_sessions']} idle sessions. Ratios are notes-app model / PicoLisp: below 1× is
less time or memory, above 1× more sessions/s.

A new session is what a browser's first visit does: a fresh connection,
`GET /`, and redirects followed on fresh connections until a 200 HTML page
of the session arrives; its latency runs from connect() to that page's last
byte. PicoLisp answers the first page itself (200); httpgate-notes-app
answers `303` to the session's own URL, then the page — two requests (and
through httpgate two TLS handshakes) per new session.

{_table(data)}

## Targets (issue 16)

{_targets(data)}

## The fork floor

{_fork_floor(data)}

## Memory detail

{_memory_detail(data)}

## Failures and events

{_errors(data)}

## Machine

{machine['cores']} cores, {machine['cpu']}, {machine['memory_gib']} GiB, {machine['os']},
kernel {machine['kernel']}; commit {machine['commit']}; {machine['date']};
load average before {', '.join(f'{x:.2f}' for x in info['load_before'])}, after
{', '.join(f'{x:.2f}' for x in info['load_after'])}; {info['elapsed_seconds']} s.
"""
