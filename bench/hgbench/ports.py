"""Free TCP ports, each handed out once per run."""

import socket

_given = set()


def free_port():
    """A port free on every address, IPv4 and IPv6 (httpGate binds [::]);
    the kernel picks it, so it lies in the ephemeral range."""
    while True:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", 0))
            port = s.getsockname()[1]
        if port not in _given:
            _given.add(port)
            return port
