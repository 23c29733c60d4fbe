"""The CPU time of processes on this machine, read from /proc: the benchmarks count the CPU of
the servers they measure (gunicorn workers, PostgreSQL backends), not only their own, and how
busy the whole machine was (every process, the kernel's network work included)."""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int | None:
    """User and system CPU of process `pid` in clock ticks; None when it is not readable here
    (ended, or a process of another machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, stolen) clock ticks of all CPUs since boot, from /proc/stat: busy is everything
    but idle and I/O wait; stolen is time the hypervisor gave to another machine."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait, steal = fields[3], fields[4], fields[7] if len(fields) > 7 else 0
    return sum(fields[:8]) - idle - iowait - steal, steal
