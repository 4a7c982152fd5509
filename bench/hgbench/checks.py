"""Checks that a peer forwards what the bench thinks it forwards, before
its numbers are believed: the small body on /, the 1 MiB file, and the
routing of /<port>/ on the first and on the second request of one
connection."""

import http.client
import ssl

from .backend import BIG_BYTES, BIG_PATH, BODY_BYTES


def _connection(peer):
    if not peer.tls:
        return http.client.HTTPConnection("127.0.0.1", peer.port, timeout=10)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return http.client.HTTPSConnection("127.0.0.1", peer.port, timeout=10, context=context)


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
    return problems


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
