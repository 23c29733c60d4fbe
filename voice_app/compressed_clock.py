"""The demo's compressed clock: time that runs `scale` times faster than the real one.

Theory of operation: `DEMO_TIME_SCALE` (written to `.env` by `scripts/run`, so the web
process, the clock, the simulator and every `veille` command agree) turns it on; it is
refused with a real provider (voice_app.config), so it never touches a real deployment.
The clock reads an anchor, one real instant and what the demo's clock read then, from
`demo-clock.json` in the instance folder: now = anchor.demo + (real now - anchor.real) * scale.
Seeding or resetting the demo writes a new anchor that starts a demo morning, just before
the calling windows open; every running process reads the file again within
`REFRESH_SECONDS`, so `veille demo reset` replays the story without a restart. An anchor
only ever moves time forward (the next morning after the current demo time): a running
process never sees time go back. Without an anchor the clock reads real time.

Real durations that describe processes rather than the tenant's day (a claim's deadline, the
dispatcher's pace, the clock's job periods) stay real: `real_seconds` converts.
"""

from __future__ import annotations

import json
import logging
import threading
import time as monotonic_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

from voice_app.domain.calendar import PARIS

log = logging.getLogger("veille.demo")

ANCHOR_FILE = "demo-clock.json"
DEMO_MORNING = time(9, 50)  # Paris: ten demo minutes before the calling windows open (10:00)
REFRESH_SECONDS = 1.0
# Stop dialling this long (real) before a window closes: the call is placed a few
# milliseconds after the check, which the compressed clock makes seconds.
DIAL_MARGIN_SECONDS = 0.5


@dataclass(frozen=True)
class Anchor:
    real: datetime  # a real instant (UTC)
    demo: datetime  # what the compressed clock read at that instant

    def at(self, real_now: datetime, scale: float) -> datetime:
        return self.demo + (real_now - self.real) * scale

    def to_json(self) -> str:
        return json.dumps({"real": self.real.isoformat(), "demo": self.demo.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> Anchor:
        data = json.loads(text)
        real, demo = datetime.fromisoformat(data["real"]), datetime.fromisoformat(data["demo"])
        if real.tzinfo is None or demo.tzinfo is None:
            raise ValueError("naive anchor")
        return cls(real.astimezone(UTC), demo.astimezone(UTC))


def next_demo_morning(now: datetime) -> datetime:
    """The first DEMO_MORNING (Paris) strictly after `now`, in UTC."""
    paris = now.astimezone(PARIS)
    day = paris.date()
    morning = datetime.combine(day, DEMO_MORNING, PARIS)
    if morning <= paris:
        morning = datetime.combine(day + timedelta(days=1), DEMO_MORNING, PARIS)
    return morning.astimezone(UTC)


def real_seconds(seconds: float, scale: float) -> float:
    """How many real seconds `seconds` of the clock's time last (a real clock: the same)."""
    return seconds if scale == 1 else seconds / scale


def real_seconds_before_close(open_seconds: float, scale: float) -> float:
    """Real seconds a dispatcher may go on dialling in a window that closes in `open_seconds`
    of the clock's time (a compressed clock keeps DIAL_MARGIN_SECONDS in hand)."""
    return open_seconds if scale == 1 else open_seconds / scale - DIAL_MARGIN_SECONDS


def system_clock() -> datetime:
    return datetime.now(UTC)


class CompressedClock:
    """A clock (callable returning an aware UTC datetime) `scale` times faster than real time."""

    def __init__(self, scale: float, anchor_path: Path, *, real_clock: Callable[[], datetime] = system_clock,
                 monotonic: Callable[[], float] = monotonic_time.monotonic) -> None:
        self.scale = scale
        self.anchor_path = Path(anchor_path)
        self._real_clock = real_clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor: Anchor | None = None
        self._stamp: tuple[int, int] | None = None  # the file's inode and mtime when last read
        self._checked_at: float | None = None

    def __call__(self) -> datetime:
        real_now = self._real_clock()
        anchor = self._current_anchor()
        return real_now if anchor is None else anchor.at(real_now, self.scale)

    @property
    def anchored(self) -> bool:
        return self._current_anchor() is not None

    def start_demo_day(self) -> datetime:
        """Move the clock forward to the next demo morning, for every process; its new time."""
        morning = next_demo_morning(self())
        anchor = Anchor(self._real_clock(), morning)
        self.anchor_path.parent.mkdir(parents=True, exist_ok=True)
        written = self.anchor_path.with_suffix(".tmp")
        written.write_text(anchor.to_json(), encoding="utf-8")
        written.replace(self.anchor_path)  # atomic: a process never reads half a file
        with self._lock:
            self._anchor, self._stamp, self._checked_at = anchor, self._file_stamp(), self._monotonic()
        log.info("demo.clock_started demo_time=%s scale=%s", morning.isoformat(), self.scale)
        return morning

    def _current_anchor(self) -> Anchor | None:
        moment = self._monotonic()
        with self._lock:
            if self._checked_at is not None and moment - self._checked_at < REFRESH_SECONDS:
                return self._anchor
            self._checked_at = moment
            stamp = self._file_stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                self._anchor = self._read()
            return self._anchor

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            status = self.anchor_path.stat()
        except OSError:
            return None
        return status.st_ino, status.st_mtime_ns  # a new anchor is a new file (replace)

    def _read(self) -> Anchor | None:
        try:
            return Anchor.from_json(self.anchor_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("demo.clock_anchor_unreadable path=%s", self.anchor_path.name)
            return self._anchor
