"""Checks that a peer forwards what the bench thinks it forwards, before
its numbers are believed: the small body on /, the 1 MiB file, and the
routing of /<port>/ on the first and on the second request of one
connection. For a peer whose clients send a PROXY header (httpgate-proxy)
every check connection sends one first, and the client it names must
reach the backend in X-Forwarded-For."""

import http.client
import ipaddress
import socket
import ssl
import struct

from .backend import BIG_BYTES, BIG_PATH, BODY_BYTES


# The client the checks' PROXY headers name (RFC 5737 documentation range).
CHECK_CLIENT = ("192.0.2.77", 40077)
PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_v2_header(source, destination):
    """A PROXY protocol v2 PROXY command, TCP over IPv4, no TLVs; source
    and destination are (address, port)."""
    addresses = (ipaddress.IPv4Address(source[0]).packed +
                 ipaddress.IPv4Address(destination[0]).packed)
    ports = struct.pack("!HH", source[1], destination[1])
    return PROXY_V2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", 12) + addresses + ports


class _ProxyHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS that writes a PROXY v2 header on the TCP connection before
    the TLS handshake, as a balancer in front of the peer would."""

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.sendall(proxy_v2_header(CHECK_CLIENT, (self.host, self.port)))
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connection(peer):
    if not peer.tls:
        return http.client.HTTPConnection("127.0.0.1", peer.port, timeout=10)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    kind = _ProxyHTTPSConnection if peer.proxy_header else http.client.HTTPSConnection
    return kind("127.0.0.1", peer.port, timeout=10, context=context)


def _get(connection, path):
    connection.request("GET", path, headers={"Host": "localhost"})
    response = connection.getresponse()
    return response.status, response.read()


def check(peer, backend_port):
    """A list of problems (empty when all is well)."""
    problems = []
    connection = _connection(peer)
    try:
        status, body = _get(connection, "/")
        if status != 200 or len(body) != BODY_BYTES:
            problems.append(f"GET / gave {status} with {len(body)} bytes")
        status, body = _get(connection, BIG_PATH)
        if status != 200 or len(body) != BIG_BYTES:
            problems.append(f"GET {BIG_PATH} gave {status} with {len(body)} bytes")
    except (OSError, http.client.HTTPException) as error:
        problems.append(f"plain requests failed: {error}")
    finally:
        connection.close()
    if peer.proxy:
        problems += _check_routing(peer, backend_port)
    if peer.proxy_header:
        problems += _check_proxy_client(peer)
    return problems


def _check_proxy_client(peer):
    """The address of the checks' PROXY header is the client the backend
    hears of, not the peer's own loopback one."""
    connection = _connection(peer)
    try:
        status, body = _get(connection, "/echo-xff")
        if status != 200 or body.decode(errors="replace") != CHECK_CLIENT[0]:
            return [f"PROXY header's client {CHECK_CLIENT[0]} reached the backend as "
                    f"X-Forwarded-For {body.decode(errors='replace')!r} ({status})"]
    except (OSError, http.client.HTTPException) as error:
        return [f"request after a PROXY header failed: {error}"]
    finally:
        connection.close()
    return []


def _check_routing(peer, backend_port):
    problems = []
    connection = _connection(peer)
    try:
        for attempt in ("first", "second"):
            path = f"/{backend_port}/echo-uri/{attempt}?q=1"
            status, body = _get(connection, path)
            expected = f"/echo-uri/{attempt}?q=1".encode()
            if status != 200 or body != expected:
                problems.append(f"routing, {attempt} request of a connection: {path} reached "
                                f"the backend as {body.decode(errors='replace')!r} ({status})")
    except (OSError, http.client.HTTPException) as error:
        problems.append(f"routing requests failed: {error}")
    finally:
        connection.close()
    return problems
