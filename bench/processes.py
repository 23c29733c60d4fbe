"""The CPU time of processes on this machine, read from /proc: the benchmarks count the CPU of
the servers they measure (gunicorn workers, PostgreSQL backends), not only their own."""

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
