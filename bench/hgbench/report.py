"""results.json and results.md from a run."""

import dataclasses

from . import aggregate, measure, metrics, notes
from .peers import VARIANTS, compare_name, label as peer_label

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
    single idle-connection count both name the same figure, listed once.
    Whole entries are compared: two targets on one figure against different
    references (nginx, HAProxy) are both kept."""
    seen = set()
    for entry in entries:
        filled = tuple(f.format(**sizes) if isinstance(f, str) else f for f in entry)
        if filled not in seen:
            seen.add(filled)
            yield filled


def _fmt(value, digits):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def _fmt_ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def _verdict(value, bound, better):
    """A ratio against its bound, the way `better` reads."""
    if value is None:
        return "—"
    met = value <= bound if better == "lower" else value >= bound
    return "met" if met else "**missed**"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _peers(data):
    return list(data["settings"]["peers"])


def _other_builds(data):
    """The `httpgate@NAME` peers: other builds of httpgate."""
    return [p for p in _peers(data) if compare_name(p) is not None]


def _measurements(data):
    """The measurements that ran, in their order."""
    ran = data["settings"].get("measurements", [m.name for m in measure.MEASUREMENTS])
    return [m for m in measure.MEASUREMENTS if m.name in ran]


def _summary_section(data):
    summary, sizes = data["summary"], _hold_sizes(data)
    peers = _peers(data)
    header = (["figure"] + [peer_label(p) for p in peers] +
              [f"httpgate/{peer_label(r)}" for r in REFERENCES])
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
            _table(["figure"] + [peer_label(p) for p in peers], rows))


def _targets_section(data):
    summary, sizes = data["summary"], _hold_sizes(data)
    rows = []
    for measurement, key, reference, bound, better, text in _sized(metrics.TARGETS, sizes):
        value = aggregate.ratio(summary, measurement, key, "httpgate", reference)
        rows.append([text, _fmt_ratio(value), _verdict(value, bound, better)])
    large = sizes["large"]
    held = aggregate.median(summary, "memory", "httpgate", f"held_{large}")
    errors = aggregate.median(summary, "memory", "httpgate", f"errors_{large}")
    if held is not None:
        ok = held == large and not errors
        rows.append([f"{large:,} idle connections held",
                     f"{held:,.0f} held, {errors or 0:.0f} errors", "met" if ok else "**missed**"])
    for measurement, key, over, bound, better, text in _sized(metrics.SELF_TARGETS, sizes):
        mine = aggregate.median(summary, measurement, "httpgate", key)
        theirs = aggregate.median(summary, measurement, "httpgate", over)
        value = mine / theirs if mine is not None and theirs else None
        rows.append([text, _fmt_ratio(value), _verdict(value, bound, better)])
    kept = aggregate.median(summary, "memory_burst", "httpgate", "kept_kib_10s")
    if kept is not None:
        bound = measure.BURST_BOUND_KIB
        rows.append([f"RssAnon within {bound // 1024} MiB of rest 10 s after a "
                     f"{data['settings']['burst_count']:,}-connection burst (issue 12)",
                     f"{kept:,.0f} KiB kept", "met" if kept <= bound else "**missed**"])
    return ("## Targets (issues 3 and 12; HTTP/2), as ratios of httpgate to the reference\n\n" +
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
        row = [peer_label(peer)]
        for x in table_metrics:
            row.append(_fmt(aggregate.median(data["summary"], m.name, peer, x.key), x.digits))
        rows.append(row)
    for reference in REFERENCES:
        row = [f"httpgate/{peer_label(reference)}"]
        for x in table_metrics:
            value = aggregate.ratio(data["summary"], m.name, x.key, "httpgate", reference)
            row.append(_fmt_ratio(value) if x.better else "")
        rows.append(row)
    text = f"## {m.title}\n\n" + _table(header, rows)
    negotiated = [f"{peer_label(p)}: " +
                  (f"{summary[p]['alpn']['value']}, " if "alpn" in summary[p] else "") +
                  f"{summary[p]['group']['value']}, {summary[p]['cipher']['value']}"
                  for p in peers if "group" in summary[p] and "cipher" in summary[p]]
    if negotiated:
        text += "\n\nNegotiated: " + "; ".join(negotiated) + "."
    return text


def _ratio_figures(data):
    """(measurement, key, label, better) of each figure that has ratios to
    the references, once: the summary's, then the measurement tables' other
    figures with a better direction (of the measurements that ran)."""
    sizes = _hold_sizes(data)
    counts = sorted(set(data["settings"]["hold_counts"]))
    tables = {m.name: metrics.table_metrics(m.name, counts) for m in measure.MEASUREMENTS}
    better = {(name, x.key): x.better for name, xs in tables.items() for x in xs}
    seen = set()
    for measurement, key, text in _sized(metrics.SUMMARY, sizes):
        seen.add((measurement, key))
        if better.get((measurement, key)):
            yield measurement, key, text, better[(measurement, key)]
    for m in _measurements(data):
        for x in tables[m.name]:
            if x.better and (m.name, x.key) not in seen:
                seen.add((m.name, x.key))
                yield m.name, x.key, f"{m.title}: {x.header}", x.better


def _compare_section(data):
    """httpgate over each other build (BENCH_HTTPGATE_COMPARE), figure by
    figure, with the issue's 3% bound on the figures it names: a change
    measured before and after in one run. None without other builds."""
    others = _other_builds(data)
    if not others:
        return None
    summary, sizes = data["summary"], _hold_sizes(data)
    watched = set(_sized(metrics.BUILD_WATCH, sizes))
    bound = metrics.BUILD_BOUND
    header = ["figure"]
    for other in others:
        header += [f"httpgate/{peer_label(other)}", f"≤ {bound:.0%} worse"]
    rows = []
    for measurement, key, text, better in _ratio_figures(data):
        row = [text]
        for other in others:
            value = aggregate.ratio(summary, measurement, key, "httpgate", other)
            limit = 1 + bound if better == "lower" else 1 - bound
            verdict = _verdict(value, limit, better) if (measurement, key) in watched else ""
            row += [_fmt_ratio(value), verdict]
        rows.append(row)
    s = data["settings"]
    builds = "; ".join([f"httpgate: `{s['build_dir']}/httpgate`"] +
                       [f"{peer_label(p)}: `{s.get('httpgate_compare', {}).get(compare_name(p))}`"
                        for p in others])
    return ("## httpgate against other builds of itself\n\n"
            f"Ratios of the medians, httpgate to each other build ({builds}). Every build "
            "runs with the same configuration and environment, right after httpgate in "
            "every round. Below 1.00× httpgate spends less CPU, memory or time; for "
            "requests/s, handshakes/s and MiB/s above 1.00× is better. The issue bounds "
            "keep-alive CPU per request, routed keep-alive CPU per request, CPU per MiB and "
            f"RSS per idle TLS connection: at most {bound:.0%} worse than the build before "
            f"(the “≤ {bound:.0%} worse” columns).\n\n" + _table(header, rows))


def _round_values(data, measurement, key, peer):
    """{round: value} of one figure of one peer."""
    return {sample["round"]: sample["result"].get(key) for sample in data["samples"]
            if sample["measurement"] == measurement and sample["peer"] == peer
            and isinstance(sample["result"].get(key), (int, float))}


def _variant_rows(data, variant):
    """(text, ratio of the medians, ratios round by round) of each figure
    both `variant` and httpgate have: the rounds alternate the two, so a
    round's ratio pairs runs made moments apart."""
    summary = data["summary"]
    for measurement, key, text, _better in _ratio_figures(data):
        value = aggregate.ratio(summary, measurement, key, variant, "httpgate")
        if value is None:
            continue
        mine = _round_values(data, measurement, key, variant)
        theirs = _round_values(data, measurement, key, "httpgate")
        rounds = [mine[r] / theirs[r] for r in sorted(mine) if theirs.get(r)]
        yield text, value, rounds


def _variant_section(data):
    """Each configuration variant of httpgate (httpgate-proxy) over
    httpgate itself, figure by figure, with each round's ratio for the
    spread. None without variants or without httpgate."""
    variants = [p for p in _peers(data) if p in VARIANTS]
    if not variants or "httpgate" not in _peers(data):
        return None
    parts = []
    for variant in variants:
        rows = [[text, _fmt_ratio(value), ", ".join(f"{r:.2f}" for r in rounds) or "—"]
                for text, value, rounds in _variant_rows(data, variant)]
        read = []
        for m in _measurements(data):
            figure = data["summary"].get(m.name, {}).get(variant, {})
            if "proxy_headers_per_connection" in figure:
                failed = figure.get("errors_proxy_header", {}).get("median", 0)
                read.append(f"{m.name} {figure['proxy_headers_per_connection']['median']:.3f}"
                            f" ({failed:.0f} refused)")
        text = (f"### {peer_label(variant)}: {VARIANTS[variant]}\n\n"
                f"Ratios {peer_label(variant)} / httpgate: of the medians, and of each round "
                "(the two run one after the other within a round). Below 1.00× the variant "
                "spends less CPU, memory or time; for handshakes/s above 1.00× is better.\n\n" +
                _table(["figure", "ratio of medians", "ratio per round"], rows))
        if read:
            text += ("\n\nPROXY headers the gate read per completed connection (its "
                     "`httpgate_proxy_headers_total`), median: " + "; ".join(read) + ".")
        parts.append(text)
    return "## httpgate's configuration variants against httpgate\n\n" + "\n\n".join(parts)


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


def _h2_run(s):
    """The HTTP/2 loads, when an HTTP/2 measurement ran."""
    if not any(m.startswith("h2_") for m in s.get("measurements", [])):
        return ""
    return (f"HTTP/2: h2load {s['seconds']:g} s -c{s['wrk_connections']} -m{s['h2_streams']} "
            f"(1 MiB: -c{s['throughput_connections']}), visits in bursts of {s['visitors']:,} "
            f"visitors of {measure.VISIT_REQUESTS} requests for {s['seconds']:g} s; ")


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
        f"{s['httpgate_legacy_hold_cap']:,}); {_h2_run(s)}{info.get('elapsed_seconds', '?')} s "
        "in all",
        f"- CPU accounting: {info['cpu_accounting']}; load average before "
        f"{_load(info.get('load_before'))}, after {_load(info.get('load_after'))} "
        "(anything else running on the machine shows here)",
    ])


def markdown(data):
    parts = [_header(data), notes.METHOD, _summary_section(data), _targets_section(data),
             _compare_section(data), _variant_section(data), _spread_section(data)]
    parts += [_measurement_section(data, m) for m in _measurements(data)]
    parts += [_crypto_section(data), "## The configurations\n\n" + notes.CONFIGURATIONS,
              _events_section(data)]
    return "\n\n".join(part for part in parts if part).rstrip() + "\n"
