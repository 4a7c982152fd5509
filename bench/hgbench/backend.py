"""The one fast backend every peer forwards to: nginx with one worker."""

import shutil

from . import status, templates
from .ports import free_port
from .service import Service, file_limit, wait_for_port

BODY = "hello from the httpgate bench backend\\n"  # nginx unescapes \n
BODY_BYTES = len("hello from the httpgate bench backend\n")
BIG_PATH = "/1m.bin"
BIG_BYTES = 1024 * 1024


class Backend:
    def __init__(self, workdir, use_cgroup):
        self.dir = workdir / "backend"
        self.dir.mkdir()
        self.port = free_port()
        self.status_port = free_port()
        self.service = Service("backend", self.dir, use_cgroup)

    def start(self):
        www = self.dir / "www"
        www.mkdir()
        with open(www / BIG_PATH.lstrip("/"), "wb") as f:
            f.write(bytes(range(256)) * (BIG_BYTES // 256))
        conf = templates.render("backend-nginx.conf.in", self.dir / "nginx.conf",
                                DIR=self.dir, PORT=self.port, STATUS_PORT=self.status_port,
                                BODY=BODY,
                                NOFILE=file_limit(), CONNECTIONS=file_limit() - 64)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        process = self.service.spawn([nginx, "-p", str(self.dir), "-e", "stderr",
                                      "-c", str(conf)])
        if not wait_for_port(self.port, process=process):
            raise RuntimeError(f"backend nginx did not start:\n{self.service.log_tail()}")

    def counters(self):
        """{"accepted": connections the backend accepted} from stub_status
        (its own request's connection included): how many backend
        connections the peers opened."""
        return status.nginx(self.status_port)

    def stop(self):
        return self.service.stop()
