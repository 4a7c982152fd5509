"""results.png: the headline figures as bars per peer (medians), with the
lowest and highest round as whiskers."""

from .peers import compare_name, label as peer_label

COLORS = {"httpgate": "#1f77b4", "nginx": "#2ca02c", "haproxy": "#d62728",
          "httpGate": "#9467bd", "direct": "#7f7f7f", "httpgate-proxy": "#17becf"}
OTHER_BUILD_COLORS = ["#6baed6", "#9ecae1", "#c6dbef", "#08519c"]  # httpgate@NAME: blues


def _color(peer, peers):
    """Other httpgate builds get lighter blues than httpgate, in their order."""
    if compare_name(peer) is None:
        return COLORS[peer]
    others = [p for p in peers if compare_name(p) is not None]
    return OTHER_BUILD_COLORS[others.index(peer) % len(OTHER_BUILD_COLORS)]


def _panels(data):
    counts = sorted(set(data["settings"]["hold_counts"]))
    small = counts[0] if counts else 0
    return [
        ("keepalive", "requests_per_s", "keep-alive: requests/s (higher is better)"),
        ("keepalive", "cpu_us_per_request", "keep-alive: CPU µs/request"),
        ("routed", "requests_per_s", "routed keep-alive: requests/s (higher)"),
        ("handshakes_ecdsa", "cpu_us_per_handshake", "full handshake ECDSA: CPU µs"),
        ("handshakes_rsa", "cpu_us_per_handshake", "full handshake RSA: CPU µs"),
        ("throughput", "cpu_us_per_mib", "1 MiB responses: CPU µs/MiB"),
        ("memory", f"rss_kib_per_conn_{small}", f"idle TLS connection @{small:,}: RSS KiB"),
        ("latency", "p50_ms", "first request, fresh connection: p50 ms"),
    ] + _h2_panels(data, small)


def _h2_panels(data, small):
    """A row of HTTP/2 figures, when an HTTP/2 measurement ran."""
    if not any(m.startswith("h2_") for m in data["settings"].get("measurements", [])):
        return []
    return [
        ("h2_small", "requests_per_s", "HTTP/2: requests/s (higher is better)"),
        ("h2_small", "cpu_us_per_request", "HTTP/2: CPU µs/request"),
        ("h2_throughput", "cpu_us_per_mib", "HTTP/2 1 MiB responses: CPU µs/MiB"),
        ("h2_memory", f"rss_kib_per_conn_h2_{small}",
         f"idle HTTP/2 connection @{small:,}: RSS KiB"),
    ]


def _label(value):
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _clip(values):
    """A y limit that keeps the ordinary bars readable when one peer is far
    off (httpGate often is): 2.5× the second-largest value, or None; the
    clipped bar's tick label gets an arrow."""
    ordered = sorted(values)
    if len(ordered) >= 2 and ordered[-2] > 0 and ordered[-1] > 4 * ordered[-2]:
        return 2.5 * ordered[-2]
    return None


def draw(data, path):
    """Writes the chart to `path`; prints why when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no chart: python3-matplotlib is not installed")
        return False
    summary = data["summary"]
    panels = _panels(data)
    rows = -(-len(panels) // 4)
    figure, axes = plt.subplots(rows, 4, figsize=(18, 4.25 * rows))
    for axis, (measurement, key, title) in zip(axes.flat, panels):
        names, values, low, high, colors = [], [], [], [], []
        for peer in data["settings"]["peers"]:
            figure_ = summary.get(measurement, {}).get(peer, {}).get(key)
            if not figure_ or figure_.get("median") is None:
                continue
            names.append(peer_label(peer).split(" (")[0].replace("backend directly", "direct"))
            values.append(figure_["median"])
            low.append(figure_["median"] - figure_["min"])
            high.append(figure_["max"] - figure_["median"])
            colors.append(_color(peer, data["settings"]["peers"]))
        top = _clip(values)
        ticks = [f"{name}\n{_label(value)}" + (" ↑" if top and value > top else "")
                 for name, value in zip(names, values)]
        axis.bar(ticks, values, color=colors, yerr=[low, high], capsize=3)
        axis.set_title(title, fontsize=10)
        axis.tick_params(axis="x", labelsize=8)
        if top:
            axis.set_ylim(0, top)
    machine = data["info"]["machine"]
    figure.suptitle(f"httpgate side by side — medians of {data['settings']['rounds']} round(s), "
                    f"{machine['date']}, {machine['cores']} cores, {machine['cpu']}", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True
