"""The peers side by side: each starts on its own ports with the same
certificates in front of the same backend. `direct` is the backend itself,
over plain HTTP: the ceiling. `httpgate@NAME` is another httpgate build
(BENCH_HTTPGATE_COMPARE), run like `httpgate` from its own binary."""

import shutil
import subprocess
import time

from . import procfs, status, templates
from .ports import free_port
from .service import Service, file_limit, wait_for_port

HTTPGATE_LEGACY = "/usr/lib/picolisp/bin/httpGate"

LABELS = {
    "httpgate": "httpgate",
    "httpgate-proxy": "httpgate, PROXY v2",
    "nginx": "nginx",
    "haproxy": "HAProxy",
    "httpGate": "httpGate (PicoLisp)",
    "direct": "backend directly (plain HTTP)",
}

COMPARE_PREFIX = "httpgate@"

# Variants of httpgate's configuration, each measured against `httpgate`
# itself (report.py gives variant/httpgate); named in BENCH_PEERS only.
VARIANTS = {"httpgate-proxy": "a PROXY protocol v2 header on every connection"}


def compare_peer(name):
    """The peer name of the other httpgate build NAME."""
    return COMPARE_PREFIX + name


def compare_name(peer):
    """NAME of an `httpgate@NAME` peer, None for every other peer."""
    return peer[len(COMPARE_PREFIX):] if peer.startswith(COMPARE_PREFIX) else None


def label(peer):
    """How a peer reads in results: LABELS, or "httpgate @NAME" for another
    build, whose names are only known at run time."""
    name = compare_name(peer)
    return LABELS[peer] if name is None else f"httpgate @{name}"


class Peer:
    """A proxy under test: `port` has the ECDSA certificate, `rsa_port`
    the RSA one."""

    tls = True
    proxy = True
    forks = False  # a process per connection (caps the idle-connection test)
    # Its clients must send a PROXY v2 header first: only the bench client
    # can (--proxy-v2), not wrk or h2load, so their measurements skip it.
    proxy_header = False

    def __init__(self, name, workdir, certs, backend, use_cgroup):
        self.name = name
        self.label = label(name)
        self.dir = workdir / name
        self.dir.mkdir(exist_ok=True)
        self.certs = certs
        self.backend = backend
        self.use_cgroup = use_cgroup
        self.port = free_port()
        self.rsa_port = free_port()
        self.status_port = free_port()  # where the peer's own counters are read
        self.service = None

    def url(self, path, rsa=False):
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.rsa_port if rsa else self.port}{path}"

    def values(self):
        e, r = self.certs["ecdsa"], self.certs["rsa"]
        return dict(DIR=self.dir, LISTEN_PROXY=self.listen_proxy(),
                    PORT=self.port, RSA_PORT=self.rsa_port,
                    STATUS_PORT=self.status_port, BACKEND_PORT=self.backend.port,
                    NOFILE=file_limit(), CONNECTIONS=file_limit() - 64,
                    MAXCONN=self.max_connections(),
                    ECDSA_CERT=e.cert, ECDSA_KEY=e.key, ECDSA_PEM=e.combined,
                    RSA_CERT=r.cert, RSA_KEY=r.key, RSA_PEM=r.combined)

    def max_connections(self):
        return file_limit() - 64

    def listen_proxy(self):
        """httpgate.yaml.in's @LISTEN_PROXY@: the PROXY protocol keys of a
        listener (after its `address`, indented as it is), empty for all
        but httpgate-proxy, so that builds without the keys still read the
        file."""
        if not self.proxy_header:
            return ""
        return "proxy_protocol: true\n    proxy_from: [127.0.0.1/32]"

    def client_args(self):
        """What httpgate-bench-client needs for this peer, every mode."""
        return (["--plain"] if not self.tls else []) + (["--proxy-v2"] if self.proxy_header else [])

    def start(self, keep_log=False):
        if not keep_log:
            (self.dir / f"{self.name}.log").unlink(missing_ok=True)  # the last round's
        self.service = Service(self.name, self.dir, self.use_cgroup)
        process = self.launch()
        for port in (self.port, self.rsa_port):
            if not wait_for_port(port, process=process):
                raise RuntimeError(f"{self.label} did not start:\n{self.service.log_tail()}")

    def launch(self):
        raise NotImplementedError

    def restart(self):
        """Stops and starts the peer within a round, for a measurement that
        wants it fresh; its log goes on in the same file, so the round's
        log lines still reach the results."""
        self.stop()
        self.start(keep_log=True)

    def counters(self):
        """The peer's own count of client connections it accepted,
        {"accepted": N, ...}, or None when it keeps none the bench reads."""
        return None

    def alive(self):
        return bool(self.service and self.service.pids())

    def stop(self):
        if self.service is None:
            return []
        left = self.service.stop()
        self.service = None
        return left


class Httpgate(Peer):
    """httpgate, or another build of it: the binary is the peer's own
    (`httpgate_binary`, set by make), the configuration and the environment
    the same for every build, so that only the code differs."""

    def counters(self):
        return status.httpgate(self.status_port)

    def launch(self):
        conf = templates.render("httpgate.yaml.in", self.dir / "httpgate.yaml", **self.values())
        return self.service.spawn([str(self.httpgate_binary), "-c", str(conf)],
                                  env=self.httpgate_env)


class HttpgateProxy(Httpgate):
    """httpgate (this build) with `proxy_protocol: true` and `proxy_from:
    [127.0.0.1/32]` on both TLS listeners; the bench client sends a PROXY
    v2 header (TCP4 from 192.0.2.x, a different client each time) first on
    every connection. Its checks send one too (checks.py)."""

    proxy_header = True


class Nginx(Peer):
    def counters(self):
        return status.nginx(self.status_port)

    def launch(self):
        conf = templates.render("nginx.conf.in", self.dir / "nginx.conf", **self.values())
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        return self.service.spawn([nginx, "-p", str(self.dir), "-e", "stderr",
                                   "-c", str(conf)])


class Haproxy(Peer):
    def counters(self):
        return status.haproxy(self.dir / "haproxy.sock")

    def launch(self):
        conf = templates.render("haproxy.cfg.in", self.dir / "haproxy.cfg", **self.values())
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        return self.service.spawn([haproxy, "-f", str(conf)])


class HttpGateLegacy(Peer):
    """PicoLisp's httpGate: one daemon per certificate. Each daemonizes
    into its own session (found by its listening port), forks a process
    per connection and another one per connection after the first
    request; only a connection's first request is routed."""

    forks = True

    def launch(self):
        for port, cert in ((self.port, self.certs["ecdsa"]), (self.rsa_port, self.certs["rsa"])):
            launcher = self.service.spawn([HTTPGATE_LEGACY, str(port), str(self.backend.port),
                                           f"{cert.key},{cert.cert}"], log_name="httpGate.log")
            if launcher.wait(timeout=10) != 0:
                raise RuntimeError(f"httpGate exited with {launcher.returncode}:\n"
                                   f"{self.service.log_tail()}")
            if not wait_for_port(port):
                raise RuntimeError(f"httpGate does not listen on {port}")
            self.service.adopt_session(self._daemon(port))
        return None

    def _daemon(self, port):
        for _ in range(50):
            for pid in procfs.listening_pids(port):
                if procfs.session_of(pid) == pid:
                    return pid
            time.sleep(0.1)
        raise RuntimeError(f"no httpGate daemon found listening on {port}")

    def log_tail(self):
        return self.service.log_tail() if self.service else ""


class Direct(Peer):
    """The backend itself, plain HTTP: the ceiling. It is started once for
    the whole run, with the backend."""

    tls = False
    proxy = False

    def __init__(self, name, workdir, certs, backend, use_cgroup):
        super().__init__(name, workdir, certs, backend, use_cgroup)
        self.port = backend.port
        self.rsa_port = None

    def start(self):
        self.service = self.backend.service

    def stop(self):
        self.service = None
        return []


KINDS = {"httpgate": Httpgate, "httpgate-proxy": HttpgateProxy, "nginx": Nginx,
         "haproxy": Haproxy, "httpGate": HttpGateLegacy, "direct": Direct}


def kind(peer):
    """The class that runs `peer`: every `httpgate@NAME` is an Httpgate."""
    return Httpgate if compare_name(peer) is not None else KINDS[peer]


def make(name, workdir, certs, backend, use_cgroup, httpgate_binaries, httpgate_env=None):
    """`httpgate_binaries` maps each httpgate peer (`httpgate`,
    `httpgate@NAME`) to its binary; `httpgate_env` (a dict) is added to the
    environment of every httpgate build only, e.g. GLIBC_TUNABLES to compare
    allocator settings."""
    peer = kind(name)(name, workdir, certs, backend, use_cgroup)
    # A variant runs this build's binary: only its configuration differs.
    peer.httpgate_binary = httpgate_binaries.get("httpgate" if name in VARIANTS else name)
    peer.httpgate_env = httpgate_env or {}
    return peer


def versions(httpgate_binaries):
    """One line per program, as each reports its own version; one per
    httpgate build (`httpgate_binaries`: peer name to binary)."""
    def run(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    def deb(package):
        return run(["dpkg-query", "-W", "-f", "${Package} ${Version}", package])

    builds = {peer: run([str(binary), "--version"]) for peer, binary in httpgate_binaries.items()}
    return {
        **builds,
        "nginx": run(["nginx", "-v"]),
        "haproxy": run(["haproxy", "-v"]),
        "httpGate": deb("picolisp"),
        "wrk": deb("wrk"),
        "h2load": run(["h2load", "--version"]),
        "openssl": run(["openssl", "version"]),
    }
