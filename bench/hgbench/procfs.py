"""What /proc says about a set of processes: CPU time and memory."""

import os

TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (field 3 on),
    or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def session_of(pid):
    fields = _stat_fields(pid)
    return int(fields[3]) if fields else None


def pids_in_sessions(sessions):
    """Every process whose session id is one of `sessions`."""
    wanted = set(sessions)
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields and int(fields[3]) in wanted:
                found.append(int(entry))
    return found


def cpu_ns(pids):
    """utime+stime of `pids` plus what their waited-for children used
    (cutime+cstime); children reaped without wait (SIGCHLD ignored, as
    httpGate does) are lost: the cgroup is the accurate way."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total * TICK_NS


def memory_kib(pids):
    """(RSS, PSS) in KiB summed over `pids`, from /proc/PID/smaps_rollup."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue  # exited meanwhile
    return rss, pss


def rss_anon_kib(pids):
    """RssAnon in KiB summed over `pids`, from /proc/PID/status: the heap,
    thread stacks and other private anonymous memory, without the binary
    and libraries (which a burst does not change)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue  # exited meanwhile
    return total


def listening_pids(port):
    """Processes holding a listening TCP socket on `port` (any address)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(cols[9])
        except OSError:
            continue
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{entry}/fd"):
                link = os.readlink(f"/proc/{entry}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    found.add(int(entry))
                    break
        except OSError:
            continue
    return sorted(found)


def private_kib(pids):
    """Private_Clean + Private_Dirty in KiB summed over `pids`, from
    /proc/PID/smaps_rollup: the pages only that process maps, what a
    process per session costs beyond what it shares with its parent."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(("Private_Clean:", "Private_Dirty:")):
                        total += int(line.split()[1])
        except OSError:
            continue  # exited meanwhile
    return total


def children(pid):
    """The live children of `pid` (field 4 of /proc/PID/stat, the ppid)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields and int(fields[1]) == pid:
                found.append(int(entry))
    return found
