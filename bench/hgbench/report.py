"""results.json and results.md from a run."""

import dataclasses

from . import aggregate, measure, metrics, notes
from .peers import LABELS

REFERENCES = ("nginx", "haproxy")


def assemble(settings, info, samples, events):
    plain = {k: (str(v) if hasattr(v, "parts") else v)
             for k, v in dataclasses.asdict(settings).items()}
    return {"info": info, "settings": plain, "samples": samples, "events": events,
            "summary": aggregate.summarize(samples)}


def _hold_sizes(data):
    counts = sorted(set(data["settings"]["hold_counts"]))
    return {"small": counts[0], "large": counts[-1]} if counts else {"small": 0, "large": 0}


def _sized(entries, sizes):
    """The entries with their {small}/{large} placeholders filled in; with a
    single idle-connection count both name the same figure, listed once."""
    seen = set()
    for entry in entries:
        filled = tuple(f.format(**sizes) if isinstance(f, str) else f for f in entry)
        if filled[:2] not in seen:
            seen.add(filled[:2])
            yield filled


def _fmt(value, digits):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def _fmt_ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _peers(data):
    return list(data["settings"]["peers"])


def _summary_section(data):
    summary, sizes = data["summary"], _hold_sizes(data)
    peers = _peers(data)
    header = (["figure"] + [LABELS[p] for p in peers] +
              [f"httpgate/{LABELS[r]}" for r in REFERENCES])
    rows = []
    for measurement, key, label in _sized(metrics.SUMMARY, sizes):
        row = [label]
        for peer in peers:
            value = aggregate.median(summary, measurement, peer, key)
            row.append(_fmt(value, 0 if "per_s" in key else 2))
        for reference in REFERENCES:
            value = aggregate.ratio(summary, measurement, key, "httpgate", reference)
            row.append(_fmt_ratio(value))
        rows.append(row)
    return "## Summary (medians)\n\n" + _table(header, rows)


def _spread_section(data):
    """The lowest and highest round of each headline figure: how far the
    medians can be trusted on this machine."""
    summary, sizes = data["summary"], _hold_sizes(data)
    peers = _peers(data)
    rows = []
    for measurement, key, label in _sized(metrics.SUMMARY, sizes):
        row = [label]
        for peer in peers:
            figure = summary.get(measurement, {}).get(peer, {}).get(key)
            digits = 0 if "per_s" in key else 2
            row.append(f"{_fmt(figure['min'], digits)} – {_fmt(figure['max'], digits)}"
                       if figure and "min" in figure else "—")
        rows.append(row)
    return ("## Spread over the rounds (lowest – highest)\n\n" +
            _table(["figure"] + [LABELS[p] for p in peers], rows))


def _targets_section(data):
    summary, sizes = data["summary"], _hold_sizes(data)
    rows = []
    for measurement, key, reference, bound, better, text in _sized(metrics.TARGETS, sizes):
        value = aggregate.ratio(summary, measurement, key, "httpgate", reference)
        if value is None:
            verdict = "—"
        else:
            met = value <= bound if better == "lower" else value >= bound
            verdict = "met" if met else "**missed**"
        rows.append([text, _fmt_ratio(value), verdict])
    large = sizes["large"]
    held = aggregate.median(summary, "memory", "httpgate", f"held_{large}")
    errors = aggregate.median(summary, "memory", "httpgate", f"errors_{large}")
    if held is not None:
        ok = held == large and not errors
        rows.append([f"{large:,} idle connections held",
                     f"{held:,.0f} held, {errors or 0:.0f} errors", "met" if ok else "**missed**"])
    kept = aggregate.median(summary, "memory_burst", "httpgate", "kept_kib_10s")
    if kept is not None:
        bound = measure.BURST_BOUND_KIB
        rows.append([f"RssAnon within {bound // 1024} MiB of rest 10 s after a "
                     f"{data['settings']['burst_count']:,}-connection burst (issue 12)",
                     f"{kept:,.0f} KiB kept", "met" if kept <= bound else "**missed**"])
    return ("## Targets (issues 3 and 12), as ratios of httpgate to the reference\n\n" +
            _table(["target", "ratio", ""], rows))


def _measurement_section(data, m):
    summary = data["summary"].get(m.name, {})
    table_metrics = metrics.table_metrics(m.name, sorted(set(data["settings"]["hold_counts"])))
    peers = [p for p in _peers(data) if p in summary]
    if not peers:
        return f"## {m.title}\n\nNo results."
    header = ["peer"] + [x.header for x in table_metrics]
    rows = []
    for peer in peers:
        row = [LABELS[peer]]
        for x in table_metrics:
            row.append(_fmt(aggregate.median(data["summary"], m.name, peer, x.key), x.digits))
        rows.append(row)
    for reference in REFERENCES:
        row = [f"httpgate/{LABELS[reference]}"]
        for x in table_metrics:
            value = aggregate.ratio(data["summary"], m.name, x.key, "httpgate", reference)
            row.append(_fmt_ratio(value) if x.better else "")
        rows.append(row)
    text = f"## {m.title}\n\n" + _table(header, rows)
    negotiated = [f"{LABELS[p]}: {summary[p]['group']['value']}, "
                  f"{summary[p]['cipher']['value']}"
                  for p in peers if "group" in summary[p] and "cipher" in summary[p]]
    if negotiated:
        text += "\n\nNegotiated: " + "; ".join(negotiated) + "."
    return text


def _crypto_section(data):
    floor = data["info"].get("crypto_floor", {})
    labels = [("ecdsa_p256_sign_us", "ECDSA P-256 sign"),
              ("ecdsa_p256_verify_us", "ECDSA P-256 verify"),
              ("rsa2048_sign_us", "RSA-2048 sign"), ("rsa2048_verify_us", "RSA-2048 verify"),
              ("x25519_derive_us", "X25519 key derivation"),
              ("aes_128_gcm_16k_us", "AES-128-GCM, 16 KiB"),
              ("aes_128_gcm_per_mib_us", "AES-128-GCM, per MiB"),
              ("aes_256_gcm_16k_us", "AES-256-GCM, 16 KiB"),
              ("aes_256_gcm_per_mib_us", "AES-256-GCM, per MiB")]
    rows = [[label, _fmt(floor.get(key), 1)] for key, label in labels]
    return ("## Crypto floor (`openssl speed -seconds 2`, one core)\n\n" +
            _table(["operation", "µs"], rows) +
            "\n\nA full TLS 1.3 handshake costs the server at least one signature and one "
            "X25519 key generation and derivation; TLS 1.3's default suite here is "
            "TLS_AES_256_GCM_SHA384.")


def _events_section(data):
    """Each distinct event once, with the rounds it happened in."""
    rounds, order = {}, []
    for event in data["events"]:
        what = event.get("problem") or event.get("event")
        key = (event.get("peer"), event.get("measurement"), what, event.get("log", ""))
        if key not in rounds:
            rounds[key] = []
            order.append(key)
        rounds[key].append(str(event.get("round", "?")))
    lines = []
    for key in order:
        peer, measurement, what, log = key
        where = ", ".join(x for x in (peer, measurement) if x)
        plural = "s" if len(rounds[key]) > 1 else ""
        line = f"- {where} (round{plural} {', '.join(rounds[key])}): {what}"
        if log:
            line += "\n\n    " + log.strip().replace("\n", "\n    ") + "\n"
        lines.append(line)
    return "## Checks, failures and log lines\n\n" + ("\n".join(lines) if lines else "None.")


def _load(values):
    return " ".join(f"{v:.2f}" for v in values) if values else "?"


def _header(data):
    info, s = data["info"], data["settings"]
    machine = info["machine"]
    versions = "; ".join(f"{k}: {v}" for k, v in info["versions"].items())
    return "\n".join([
        "# httpgate side by side with nginx, HAProxy and httpGate",
        "",
        f"- Date: {machine['date']}; commit {machine['commit']}",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Linux {machine['kernel']}",
        f"- Versions: {versions}",
        f"- Run: {s['rounds']} round(s); wrk runs {s['seconds']:g} s (-t{s['wrk_threads']} "
        f"-c{s['wrk_connections']}, 1 MiB: -c{s['throughput_connections']}); handshake runs "
        f"{s['handshake_seconds']:g} s at concurrency {s['handshake_concurrency']}; latency "
        f"{s['latency_count']} fresh connections (at most {s['latency_cap_seconds']:g} s); idle "
        f"connections {', '.join(f'{n:,}' for n in s['hold_counts'])} (httpGate capped at "
        f"{s['httpgate_legacy_hold_cap']:,}); {info.get('elapsed_seconds', '?')} s in all",
        f"- CPU accounting: {info['cpu_accounting']}; load average before "
        f"{_load(info.get('load_before'))}, after {_load(info.get('load_after'))} "
        "(anything else running on the machine shows here)",
    ])


def markdown(data):
    parts = [_header(data), notes.METHOD, _summary_section(data), _targets_section(data),
             _spread_section(data)]
    ran = data["settings"].get("measurements", [m.name for m in measure.MEASUREMENTS])
    parts += [_measurement_section(data, m) for m in measure.MEASUREMENTS if m.name in ran]
    parts += [_crypto_section(data), "## The configurations\n\n" + notes.CONFIGURATIONS,
              _events_section(data)]
    return "\n\n".join(parts).rstrip() + "\n"
