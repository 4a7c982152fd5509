"""The peers' own counts of the connections they accepted, read from their
status pages: nginx's stub_status, HAProxy's stats socket, httpgate's
/metrics. Each reading is a connection of its own, which nginx and HAProxy
count too; the measurements subtract what a reading adds (see
measure._counter_probe)."""

import http.client
import re
import socket


def _get(port, path):
    """A status page's text: plain HTTP on loopback, straight to the peer
    (http.client, which, unlike urllib, never goes through an *_proxy)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise RuntimeError(f"GET {path} on port {port}: {response.status}")
        return body
    finally:
        connection.close()


def nginx(port):
    """stub_status at /status: {"accepted": accepts}."""
    text = _get(port, "/status")
    accepts = re.search(r"^\s*(\d+)\s+\d+\s+\d+\s*$", text, re.M)
    if not accepts:
        raise RuntimeError(f"no accepts in nginx's stub_status: {text!r}")
    return {"accepted": int(accepts.group(1))}


def haproxy(socket_path):
    """`show info` on the stats socket: {"accepted": CumConns}."""
    with socket.socket(socket.AF_UNIX) as stats:
        stats.settimeout(5)
        stats.connect(str(socket_path))
        stats.sendall(b"show info\n")
        text = b"".join(iter(lambda: stats.recv(65536), b"")).decode()
    found = re.search(r"^CumConns: (\d+)", text, re.M)
    if not found:
        raise RuntimeError("no CumConns in HAProxy's show info")
    return {"accepted": int(found.group(1))}


def httpgate(port):
    """/metrics on the admin endpoint: client connections by the protocol
    ALPN chose ("h2", "http/1.1"), their sum ("accepted"), the TLS
    handshakes completed ("handshakes"), and, from builds that have them,
    the PROXY headers read ("proxy_headers") and the connections closed
    over one ("proxy_header_failures")."""
    text = _get(port, "/metrics")
    counts = {"accepted": 0}
    for protocol, value in re.findall(r'^httpgate_connections_total\{protocol="([^"]+)"\} (\d+)',
                                      text, re.M):
        counts[protocol] = int(value)
        counts["accepted"] += int(value)
    handshakes = re.search(r"^httpgate_tls_handshakes_total (\d+)", text, re.M)
    if handshakes:
        counts["handshakes"] = int(handshakes.group(1))
    for key, family in (("proxy_headers", "httpgate_proxy_headers_total"),
                        ("proxy_header_failures", "httpgate_proxy_header_failures_total")):
        values = re.findall(rf"^{family}\{{[^}}]*\}} (\d+)", text, re.M)
        if values:
            counts[key] = sum(int(v) for v in values)
    return counts
