"""Self-signed certificates for localhost, made with the openssl command."""

import subprocess

KINDS = {
    "ecdsa": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
    "rsa": ["-newkey", "rsa:2048"],
}


class Certificate:
    def __init__(self, directory, kind):
        self.kind = kind
        self.key = directory / f"{kind}.key"
        self.cert = directory / f"{kind}.crt"
        self.combined = directory / f"{kind}.pem"  # HAProxy: certificate, then key


def make(directory, kind):
    """Writes KIND.key, KIND.crt and KIND.pem into `directory`."""
    c = Certificate(directory, kind)
    subprocess.run(["openssl", "req", "-x509", *KINDS[kind], "-nodes", "-days", "30",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(c.key), "-out", str(c.cert)],
                   check=True, capture_output=True)
    c.combined.write_text(c.cert.read_text() + c.key.read_text())
    for path in (c.key, c.combined):
        path.chmod(0o600)
    return c
