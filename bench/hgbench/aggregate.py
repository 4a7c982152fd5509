"""From the samples of all rounds to one figure per peer and metric:
medians (error counts summed), with the lowest and highest round kept
to show the spread."""

import statistics
from collections import Counter, defaultdict


def _numbers(values):
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def summarize(samples):
    """{measurement: {peer: {key: {"median", "min", "max", "rounds"} or
    {"value"} for text}}}; keys starting with "errors" are summed."""
    grouped = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for sample in samples:
        for key, value in sample["result"].items():
            grouped[sample["measurement"]][sample["peer"]][key].append(value)
    summary = {}
    for measurement, by_peer in grouped.items():
        summary[measurement] = {}
        for peer, by_key in by_peer.items():
            figures = {}
            for key, values in by_key.items():
                numbers = _numbers(values)
                if key.startswith("errors") and numbers:
                    figures[key] = {"median": sum(numbers), "min": min(numbers),
                                    "max": max(numbers), "rounds": len(numbers)}
                elif numbers:
                    figures[key] = {"median": statistics.median(numbers), "min": min(numbers),
                                    "max": max(numbers), "rounds": len(numbers)}
                else:
                    texts = [v for v in values if isinstance(v, str) and v]
                    if texts:
                        figures[key] = {"value": Counter(texts).most_common(1)[0][0]}
            summary[measurement][peer] = figures
    return summary


def median(summary, measurement, peer, key):
    figure = summary.get(measurement, {}).get(peer, {}).get(key)
    return figure.get("median") if figure else None


def ratio(summary, measurement, key, peer, reference):
    mine = median(summary, measurement, peer, key)
    theirs = median(summary, measurement, reference, key)
    if mine is None or not theirs:
        return None
    return mine / theirs
