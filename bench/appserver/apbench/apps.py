"""The peers: PicoLisp's app server running bench/appserver/notes.l, and
httpgate-notes-app in each execution model. Each is started afresh for
every run on its own port (sessions pile up: every one is a process, or
an object, until its timeout), in a Service of its own (cgroup, session),
and only its processes are ever signalled."""

import os
import signal
import subprocess
import time

from hgbench import procfs
from hgbench.ports import free_port
from hgbench.service import Service

LABELS = {"picolisp": "PicoLisp app server", "fork": "notes-app fork",
          "pool": "notes-app pool", "sequential": "notes-app sequential"}


def _wait(condition, timeout, step=0.05):
    """Polls `condition` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def model_supported(notes_app, model):
    """Whether this notes app runs `--model MODEL` (issue 16): an unknown
    option or value is a usage error, and a model that is parsed but not
    built yet exits at once; a model that works is still listening after
    a second (on a port the kernel picks), and is then stopped with its
    ready processes (its own process group)."""
    try:
        process = subprocess.Popen([str(notes_app), "--model", model, "--port", "0",
                                    "--address", "127.0.0.1"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return False
    try:
        process.wait(timeout=1.0)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return True


class App:
    def __init__(self, name, settings, workdir, use_cgroup, model_flag):
        self.name = name
        self.label = LABELS[name]
        self.settings = settings
        self.dir = workdir / name
        self.dir.mkdir(exist_ok=True)
        self.use_cgroup = use_cgroup
        self.model_flag = model_flag
        self.port = free_port()
        self.service = None
        self.process = None
        self.starts = 0

    @property
    def forks_sessions(self):
        """A process per session (all but sequential)."""
        return self.name != "sequential"

    def argv(self, timeout):
        s = self.settings
        if self.name == "picolisp":
            return ["pil", str(s.picolisp_app), str(self.port), f"{timeout:g}"]
        argv = [str(s.notes_app), "--port", str(self.port), "--address", "127.0.0.1",
                "--timeout", f"{timeout:g}", "--max-sessions", str(s.max_sessions)]
        if self.model_flag:
            argv += ["--model", self.name]
        elif self.name != "fork":
            raise RuntimeError(f"{s.notes_app} has no --model: it cannot run {self.name}")
        return argv

    def start(self, timeout):
        """Starts the app with session timeout `timeout` (seconds); returns
        when it listens and its set of children has settled (the pool's
        ready processes forked)."""
        self.starts += 1
        self.service = Service(self.name, self.dir, self.use_cgroup)
        self.process = self.service.spawn(self.argv(timeout), log_name=f"{self.name}.log")
        # Listening is read from /proc, not probed with a connection: a
        # probe would open a session (or use up a ready process).
        if not _wait(lambda: self.process.poll() is None and
                     self.process.pid in procfs.listening_pids(self.port), 10.0):
            tail = self.service.log_tail()
            self.stop()
            raise RuntimeError(f"{self.name} did not listen on {self.port}:\n{tail}")
        self._settle()

    def _settle(self, timeout=5.0):
        """Waits until the parent's child count has not changed for 0.5 s."""
        last, since = None, time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = len(procfs.children(self.process.pid))
            if count != last:
                last, since = count, time.monotonic()
            elif time.monotonic() - since >= 0.5:
                return
            time.sleep(0.05)

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=20):
        return self.service.log_tail(lines) if self.service else ""

    def stop(self):
        """Stops the app and every session process; returns pids left."""
        if self.service is None:
            return []
        left = self.service.stop()
        self.service = None
        return left
