"""A real httpgate in front of one app: TLS on a loopback port, `default`
the app's port (https://127.0.0.1:G/ opens a session) and every session
port reachable as /<port>/... (ports.allow 1024-65535)."""

import time

from hgbench import procfs, templates
from hgbench.ports import free_port
from hgbench.service import Service


class Gate:
    def __init__(self, settings, workdir, certificate, use_cgroup):
        self.settings = settings
        self.dir = workdir / "gate"
        self.dir.mkdir(exist_ok=True)
        self.certificate = certificate
        self.use_cgroup = use_cgroup
        self.port = free_port()
        self.service = None

    def start(self, app_port):
        conf = templates.render("appserver-httpgate.yaml.in", self.dir / "httpgate.yaml",
                                PORT=self.port, APP_PORT=app_port,
                                CERT=self.certificate.cert, KEY=self.certificate.key)
        self.service = Service("gate", self.dir, self.use_cgroup)
        process = self.service.spawn([str(self.settings.httpgate), "-c", str(conf)],
                                     log_name="httpgate.log")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if procfs.listening_pids(self.port):
                return
            time.sleep(0.05)
        tail = self.service.log_tail()
        self.stop()
        raise RuntimeError(f"httpgate did not listen on {self.port}:\n{tail}")

    def stop(self):
        if self.service is None:
            return []
        left = self.service.stop()
        self.service = None
        return left
