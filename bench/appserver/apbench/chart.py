"""results.png: each figure per peer (medians, whiskers from the lowest
to the highest round), the minimal fork rate as a line on the 16-client
sessions/s panels."""

from .apps import LABELS
from .report import ROWS

COLORS = {"picolisp": "#9467bd", "fork": "#1f77b4", "pool": "#2ca02c", "sequential": "#ff7f0e"}


def draw(data, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no chart: python3-matplotlib is not installed")
        return False
    summary = data["summary"]
    rows = [row for row in ROWS if row[0] in summary]
    forks = summary.get("forkrate", {}).get("machine", {}).get("forks_per_s", {}).get("median")
    lines = -(-len(rows) // 4)
    figure, axes = plt.subplots(lines, 4, figsize=(18, 4.2 * lines), squeeze=False)
    for axis, (measurement, key, title, _digits) in zip(axes.flat, rows):
        names, values, low, high, colors = [], [], [], [], []
        for peer in data["settings"]["peers"]:
            f = summary.get(measurement, {}).get(peer, {}).get(key)
            if not f or f.get("median") is None:
                continue
            names.append(f"{LABELS[peer].replace('notes-app ', '')}\n{f['median']:,.3g}")
            values.append(f["median"])
            low.append(f["median"] - f["min"])
            high.append(f["max"] - f["median"])
            colors.append(COLORS[peer])
        axis.bar(names, values, color=colors, yerr=[low, high], capsize=3)
        if forks and key == "sessions_per_s" and measurement.endswith("_16"):
            axis.axhline(forks, color="#d62728", linestyle="--", linewidth=1)
            axis.text(0, forks, f" minimal fork() rate {forks:,.0f}/s", color="#d62728",
                      fontsize=8, va="bottom")
        better = "higher" if key == "sessions_per_s" else "lower"
        axis.set_title(f"{title} ({better} is better)", fontsize=9)
        axis.tick_params(axis="x", labelsize=8)
    for axis in list(axes.flat)[len(rows):]:
        axis.axis("off")
    machine = data["info"]["machine"]
    figure.suptitle(f"app servers: PicoLisp and httpgate-notes-app's models — medians of "
                    f"{data['settings']['rounds']} round(s), {machine['date']}, "
                    f"{machine['cores']} cores, {machine['cpu']}", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True
