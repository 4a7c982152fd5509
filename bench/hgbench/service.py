"""A program the bench started: its processes are found through its
cpuacct group, or else through the sessions it was started in, and only
those are ever signalled."""

import os
import resource
import signal
import socket
import subprocess
import time

from . import cgroup, procfs

NOFILE_WANTED = 65536


def file_limit():
    """The descriptor limit programs get: 65536, or the hard limit if it
    is lower (raising a hard limit needs CAP_SYS_RESOURCE)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return NOFILE_WANTED if hard == resource.RLIM_INFINITY else min(NOFILE_WANTED, hard)


class Service:
    def __init__(self, name, workdir, use_cgroup):
        self.name = name
        self.workdir = workdir
        self.group = cgroup.CpuGroup(name) if use_cgroup else None
        self.sessions = []
        self.popens = []

    def spawn(self, argv, log_name=None, env=None):
        """Starts `argv` in a new session, inside the group, with the raised
        descriptor limit and the bench's environment plus `env` (a dict);
        stdout and stderr go to a log file in workdir."""
        log_path = self.workdir / (log_name or f"{self.name}.log")
        join = self.group.join_path() if self.group else None
        limit = file_limit()

        def prepare():  # runs in the child, before exec
            if join:
                with open(join, "w") as f:
                    f.write(str(os.getpid()))
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

        environment = {**os.environ, **env} if env else None
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     cwd=self.workdir, env=environment, start_new_session=True,
                                     preexec_fn=prepare)
        self.sessions.append(popen.pid)
        self.popens.append(popen)
        return popen

    def adopt_session(self, sid):
        """A daemon that made its own session (httpGate): stop it too."""
        if sid not in self.sessions:
            self.sessions.append(sid)

    def log_tail(self, lines=20):
        try:
            text = (self.workdir / f"{self.name}.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def pids(self):
        if self.group:
            return self.group.pids()
        return procfs.pids_in_sessions(self.sessions)

    def cpu_ns(self):
        return self.group.usage_ns() if self.group else procfs.cpu_ns(self.pids())

    def memory_kib(self):
        return procfs.memory_kib(self.pids())

    def rss_anon_kib(self):
        return procfs.rss_anon_kib(self.pids())

    def stop(self, timeout=10.0):
        """TERM to each of our sessions' process groups and to each process
        of the group, KILL after `timeout`; then removes the group."""
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pids() and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        if self.pids():
            self._signal(signal.SIGKILL)
            time.sleep(0.2)
        self._reap()
        left = self.pids()
        if self.group and not left:
            self.group.remove()
        return left

    def _signal(self, signum):
        for sid in self.sessions:
            # Only a group that still has a process of ours: a pid is not
            # reused as a group id while that group has members.
            if procfs.pids_in_sessions([sid]):
                try:
                    os.killpg(sid, signum)
                except (ProcessLookupError, PermissionError):
                    pass
        if self.group:
            for pid in self.group.pids():
                try:
                    os.kill(pid, signum)
                except ProcessLookupError:
                    pass

    def _reap(self):
        for popen in self.popens:
            popen.poll()


def wait_for_port(port, host="127.0.0.1", timeout=10.0, process=None):
    """Waits until something accepts TCP connections on host:port; False on
    time-out or when `process` exits first (a daemon's launcher returning 0
    is fine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            pass
        if process is not None and process.poll() not in (None, 0):
            return False
        time.sleep(0.05)
    return False
