"""A cgroup-v1 cpuacct group per started program: its CPU time includes
every process and thread it ever had, children that already exited too
(httpGate forks per connection), and its cgroup.procs lists what is alive."""

import os
from pathlib import Path

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def available():
    """True when groups can be made here (cgroup v1 cpuacct, writable)."""
    return (CPUACCT / "cpuacct.usage").exists() and os.access(CPUACCT, os.W_OK)


class CpuGroup:
    """/sys/fs/cgroup/cpuacct/hgbench-<name>-<our pid>: the pid in the name
    keeps two concurrent runs apart."""

    def __init__(self, name):
        self.path = CPUACCT / f"hgbench-{name}-{os.getpid()}"
        self.path.mkdir(exist_ok=True)

    def join_path(self):
        """The file a child writes its own pid to, before exec."""
        return str(self.path / "cgroup.procs")

    def usage_ns(self):
        return int((self.path / "cpuacct.usage").read_text())

    def pids(self):
        text = (self.path / "cgroup.procs").read_text()
        return [int(line) for line in text.split()]

    def remove(self):
        """Removes the group once it is empty; False if something is left."""
        try:
            self.path.rmdir()
            return True
        except OSError:
            return False
