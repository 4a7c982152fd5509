"""Which figures each measurement reports, how they read, and which way
is better; shared by the markdown report and the chart."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    header: str
    digits: int = 1
    better: str = "lower"  # "lower", "higher", or "" (information only)
    total: bool = False    # summed over rounds instead of the median (error counts)


def memory_metrics(counts):
    metrics = [Metric("rest_rss_kib", "RSS at rest KiB", 0, ""),
               Metric("rest_pss_kib", "PSS at rest KiB", 0, "")]
    for n in counts:
        metrics += [Metric(f"held_{n}", f"held ({n:,})", 0, ""),
                    Metric(f"rss_kib_per_conn_{n}", f"RSS KiB/conn @{n:,}", 2),
                    Metric(f"pss_kib_per_conn_{n}", f"PSS KiB/conn @{n:,}", 2),
                    Metric(f"processes_{n}", f"processes @{n:,}", 0, ""),
                    Metric(f"errors_{n}", f"errors @{n:,}", 0, "", total=True)]
    return metrics


def h2_memory_metrics(counts):
    metrics = []
    for n in counts:
        metrics += [Metric(f"rss_kib_per_conn_h2_{n}", f"h2 RSS KiB/conn @{n:,}", 2),
                    Metric(f"pss_kib_per_conn_h2_{n}", f"h2 PSS KiB/conn @{n:,}", 2),
                    Metric(f"rss_kib_per_conn_h1_{n}", f"HTTP/1.1 RSS KiB/conn @{n:,}", 2),
                    Metric(f"pss_kib_per_conn_h1_{n}", f"HTTP/1.1 PSS KiB/conn @{n:,}", 2),
                    Metric(f"rss_h2_over_h1_{n}", f"RSS h2/HTTP/1.1 @{n:,}", 2, ""),
                    Metric(f"held_h2_{n}", f"h2 held ({n:,})", 0, ""),
                    Metric(f"errors_h2_{n}", f"h2 errors @{n:,}", 0, "", total=True),
                    Metric(f"errors_h1_{n}", f"HTTP/1.1 errors @{n:,}", 0, "", total=True)]
    return metrics


H2_VISIT = [Metric("cpu_us_per_visit_h2", "h2 CPU µs/visit", 0),
            Metric("cpu_us_per_visit_h1", "HTTP/1.1 CPU µs/visit", 0),
            Metric("connections_per_visitor_h2", "h2 conns/visitor (counted)", 2, ""),
            Metric("connections_per_visitor_h1", "HTTP/1.1 conns/visitor (counted)", 2, ""),
            Metric("handshakes_per_visitor_h2", "h2 handshakes/visitor (counted)", 2, ""),
            Metric("handshakes_per_visitor_h1", "HTTP/1.1 handshakes/visitor (counted)", 2, ""),
            Metric("rss_kib_per_visitor_h2", "h2 RSS KiB/visitor", 1),
            Metric("rss_kib_per_visitor_h1", "HTTP/1.1 RSS KiB/visitor", 1),
            Metric("pss_kib_per_visitor_h2", "h2 PSS KiB/visitor", 1),
            Metric("pss_kib_per_visitor_h1", "HTTP/1.1 PSS KiB/visitor", 1),
            Metric("seconds_h2", "h2 s per burst of visitors", 2, ""),
            Metric("seconds_h1", "HTTP/1.1 s per burst of visitors", 2, ""),
            Metric("visits_h2", "h2 visits", 0, ""),
            Metric("visits_h1", "HTTP/1.1 visits", 0, ""),
            Metric("errors_held_h2", "h2 hold errors", 0, "", total=True),
            Metric("errors_held_h1", "HTTP/1.1 hold errors", 0, "", total=True)]


def table_metrics(measurement, hold_counts):
    keepalive = [Metric("requests_per_s", "requests/s", 0, "higher"),
                 Metric("p50_ms", "p50 ms", 3), Metric("p99_ms", "p99 ms", 3),
                 Metric("cpu_us_per_request", "CPU µs/request", 2),
                 Metric("backend_cpu_us_per_request", "backend CPU µs/request", 2, ""),
                 Metric("errors", "errors", 0, "", total=True)]
    handshakes = [Metric("connections_per_s", "handshakes/s", 0, "higher"),
                  Metric("cpu_us_per_handshake", "CPU µs/handshake", 1),
                  Metric("backend_cpu_us_per_handshake", "backend CPU µs/handshake", 1, ""),
                  Metric("tickets_per_connection", "tickets sent", 1, ""),
                  Metric("errors", "errors", 0, "", total=True)]
    return {
        "keepalive": keepalive,
        "routed": keepalive,
        "handshakes_ecdsa": handshakes,
        "handshakes_rsa": handshakes,
        "throughput": [Metric("mib_per_s", "MiB/s", 0, "higher"),
                       Metric("cpu_us_per_mib", "CPU µs/MiB", 1),
                       Metric("backend_cpu_us_per_mib", "backend CPU µs/MiB", 1, ""),
                       Metric("p99_ms", "p99 ms", 2),
                       Metric("errors", "errors", 0, "", total=True)],
        "h2_small": [Metric("requests_per_s", "requests/s", 0, "higher"),
                     Metric("p50_ms", "p50 ms", 3), Metric("p99_ms", "p99 ms", 3),
                     Metric("cpu_us_per_request", "CPU µs/request", 2),
                     Metric("backend_cpu_us_per_request", "backend CPU µs/request", 2, ""),
                     Metric("backend_connections_per_1k_requests",
                            "backend conns opened/1,000 requests", 1, ""),
                     Metric("errors", "errors", 0, "", total=True)],
        "h2_throughput": [Metric("mib_per_s", "MiB/s", 0, "higher"),
                          Metric("cpu_us_per_mib", "CPU µs/MiB", 1),
                          Metric("backend_cpu_us_per_mib", "backend CPU µs/MiB", 1, ""),
                          Metric("p99_ms", "p99 ms", 2),
                          Metric("errors", "errors", 0, "", total=True)],
        "h2_visit": H2_VISIT,
        "h2_memory": h2_memory_metrics(hold_counts),
        "memory": memory_metrics(hold_counts),
        "memory_burst": [Metric("base_rss_anon_kib", "RssAnon at rest KiB", 0, ""),
                         Metric("peak_rss_anon_kib", "RssAnon, burst held KiB", 0),
                         Metric("rss_anon_kib_1s", "RssAnon 1 s after KiB", 0),
                         Metric("rss_anon_kib_10s", "RssAnon 10 s after KiB", 0),
                         Metric("kept_kib_10s", "kept after 10 s KiB", 0),
                         Metric("kept_share_10s", "kept share of the burst", 2),
                         Metric("seconds_back", "s to within 10 MiB", 1),
                         Metric("held", "held", 0, ""),
                         Metric("errors", "errors", 0, "", total=True)],
        "latency": [Metric("p50_ms", "p50 ms", 3), Metric("p99_ms", "p99 ms", 3),
                    Metric("mean_ms", "mean ms", 3, ""),
                    Metric("samples", "samples", 0, ""),
                    Metric("errors", "errors", 0, "", total=True)],
    }[measurement]


# The headline figures: (measurement, metric key, label).
SUMMARY = [
    ("keepalive", "cpu_us_per_request", "keep-alive: CPU µs per request"),
    ("keepalive", "requests_per_s", "keep-alive: requests/s"),
    ("keepalive", "p99_ms", "keep-alive: p99 ms"),
    ("routed", "requests_per_s", "routed keep-alive: requests/s"),
    ("routed", "cpu_us_per_request", "routed keep-alive: CPU µs per request"),
    ("handshakes_ecdsa", "cpu_us_per_handshake", "full handshake ECDSA: CPU µs"),
    ("handshakes_rsa", "cpu_us_per_handshake", "full handshake RSA: CPU µs"),
    ("handshakes_ecdsa", "connections_per_s", "full handshakes ECDSA: per s"),
    ("handshakes_rsa", "connections_per_s", "full handshakes RSA: per s"),
    ("throughput", "cpu_us_per_mib", "1 MiB responses: CPU µs per MiB"),
    ("throughput", "mib_per_s", "1 MiB responses: MiB/s"),
    ("memory", "rss_kib_per_conn_{small}", "idle TLS connection @{small:,}: RSS KiB"),
    ("memory", "pss_kib_per_conn_{small}", "idle TLS connection @{small:,}: PSS KiB"),
    ("memory", "rss_kib_per_conn_{large}", "idle TLS connection @{large:,}: RSS KiB"),
    ("memory", "pss_kib_per_conn_{large}", "idle TLS connection @{large:,}: PSS KiB"),
    ("latency", "p50_ms", "first request, fresh connection: p50 ms"),
    ("latency", "p99_ms", "first request, fresh connection: p99 ms"),
    ("memory_burst", "kept_kib_10s", "burst of TLS connections: RssAnon kept 10 s after, KiB"),
    ("h2_small", "cpu_us_per_request", "HTTP/2: CPU µs per request"),
    ("h2_small", "requests_per_s", "HTTP/2: requests/s"),
    ("h2_small", "p99_ms", "HTTP/2: p99 ms"),
    ("h2_throughput", "cpu_us_per_mib", "HTTP/2 1 MiB responses: CPU µs per MiB"),
    ("h2_throughput", "mib_per_s", "HTTP/2 1 MiB responses: MiB/s"),
    ("h2_visit", "cpu_us_per_visit_h2", "visit over HTTP/2 (1 connection): CPU µs"),
    ("h2_visit", "cpu_us_per_visit_h1", "visit over HTTP/1.1 (6 connections): CPU µs"),
    ("h2_visit", "rss_kib_per_visitor_h2", "visitor idle after an HTTP/2 visit: RSS KiB"),
    ("h2_visit", "rss_kib_per_visitor_h1", "visitor idle after an HTTP/1.1 visit: RSS KiB"),
    ("h2_memory", "rss_kib_per_conn_h2_{small}", "idle HTTP/2 connection @{small:,}: RSS KiB"),
    ("h2_memory", "rss_kib_per_conn_h2_{large}", "idle HTTP/2 connection @{large:,}: RSS KiB"),
]

# The targets: (measurement, key, against, bound, better, text).
TARGETS = [
    ("keepalive", "cpu_us_per_request", "nginx", 0.75, "lower",
     "keep-alive CPU/request ≤ 0.75× nginx"),
    ("keepalive", "requests_per_s", "nginx", 1.15, "higher",
     "keep-alive requests/s ≥ 1.15× nginx"),
    ("keepalive", "requests_per_s", "haproxy", 1.15, "higher",
     "keep-alive requests/s ≥ 1.15× HAProxy"),
    ("keepalive", "p99_ms", "nginx", 1.0, "lower", "keep-alive p99 no worse than nginx"),
    ("keepalive", "p99_ms", "haproxy", 1.0, "lower", "keep-alive p99 no worse than HAProxy"),
    ("routed", "requests_per_s", "haproxy", 1.15, "higher", "routed requests/s ≥ 1.15× HAProxy"),
    ("handshakes_ecdsa", "cpu_us_per_handshake", "nginx", 0.85, "lower",
     "CPU/handshake ECDSA ≤ 0.85× nginx"),
    ("handshakes_rsa", "cpu_us_per_handshake", "nginx", 0.85, "lower",
     "CPU/handshake RSA ≤ 0.85× nginx"),
    ("throughput", "cpu_us_per_mib", "nginx", 0.75, "lower", "CPU/MiB ≤ 0.75× nginx"),
    ("memory", "rss_kib_per_conn_{small}", "nginx", 0.6, "lower",
     "RSS/idle connection @{small:,} ≤ 0.6× nginx"),
    ("memory", "rss_kib_per_conn_{large}", "nginx", 0.6, "lower",
     "RSS/idle connection @{large:,} ≤ 0.6× nginx"),
    ("latency", "p50_ms", "nginx", 1.0, "lower", "first-request p50 no worse than nginx"),
    ("latency", "p99_ms", "nginx", 1.0, "lower", "first-request p99 no worse than nginx"),
    ("h2_small", "cpu_us_per_request", "nginx", 0.8, "lower", "HTTP/2 CPU/request ≤ 0.8× nginx"),
    ("h2_small", "cpu_us_per_request", "haproxy", 1.0, "lower",
     "HTTP/2 CPU/request ≤ 1.0× HAProxy"),
    ("h2_small", "requests_per_s", "nginx", 1.1, "higher", "HTTP/2 requests/s ≥ 1.1× nginx"),
    ("h2_small", "requests_per_s", "haproxy", 1.1, "higher", "HTTP/2 requests/s ≥ 1.1× HAProxy"),
]

# Targets of httpgate against itself: (measurement, key, over key, bound,
# better, text); the ratio is of httpgate's medians, key over `over key`.
SELF_TARGETS = [
    ("h2_memory", "rss_kib_per_conn_h2_{small}", "rss_kib_per_conn_h1_{small}", 1.2, "lower",
     "RSS/idle HTTP/2 connection @{small:,} ≤ 1.2× httpgate's idle HTTP/1.1 connection"),
    ("h2_memory", "rss_kib_per_conn_h2_{large}", "rss_kib_per_conn_h1_{large}", 1.2, "lower",
     "RSS/idle HTTP/2 connection @{large:,} ≤ 1.2× httpgate's idle HTTP/1.1 connection"),
]

# The bound for a change to httpgate, measured against the build
# before it (BENCH_HTTPGATE_COMPARE): these figures may get at most 3% worse.
BUILD_BOUND = 0.03
BUILD_WATCH = [("keepalive", "cpu_us_per_request"), ("routed", "cpu_us_per_request"),
               ("throughput", "cpu_us_per_mib"), ("memory", "rss_kib_per_conn_{small}"),
               ("memory", "rss_kib_per_conn_{large}")]
