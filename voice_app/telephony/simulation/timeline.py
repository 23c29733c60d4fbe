"""Simulated time for one call, and the commands that interrupt it.

Every wait in a call (ringing, speech, a Gather's timeout) goes through `Timeline.sleep`,
which divides it by the time scale, fires the call's side events when they fall due (the
asynchronous AMD callback), and stops early when the provider API acts on the call
(hang up, redirect), when the callee hangs up, or when the simulator shuts down.

Commands reach a call through its `CallControl` in this process, or through a small file
inbox shared by every simulator process of the same deployment (the web process asks to
hang up a call that the clock process is playing).
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

POLL_SECONDS = 0.05  # real seconds between two looks at the cross-process inbox
STALE_COMMAND_SECONDS = 3600.0  # a command nobody took in an hour was for a call already over


class CallInterrupted(Exception):
    """The current verb stops: something outside the TwiML acted on the call."""


class HangUpRequested(CallInterrupted):
    """The provider API ended the call (Twilio: Status=completed)."""


class RedirectRequested(CallInterrupted):
    """The provider API gave the call new TwiML to fetch."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class CalleeHungUp(CallInterrupted):
    """The person (or machine) on the line hung up."""


class SimulationStopped(CallInterrupted):
    """The simulator is closing: stop without sending anything more."""


class ControlInbox:
    """Commands for calls played by another process, as one small JSON file each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def post(self, sid: str, command: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._remove_stale()
        temporary = self.directory / f".{sid}.{time.monotonic_ns()}.tmp"
        temporary.write_text(json.dumps(command))
        os.replace(temporary, self.directory / f"{sid}.{time.monotonic_ns()}.json")

    def _remove_stale(self) -> None:
        cutoff = time.time() - STALE_COMMAND_SECONDS
        for path in self.directory.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue  # taken meanwhile

    def take(self, sid: str) -> list[dict]:
        if not self.directory.is_dir():
            return []
        commands = []
        for path in sorted(self.directory.glob(f"{sid}.*.json")):
            try:
                commands.append(json.loads(path.read_text()))
                path.unlink()
            except (OSError, ValueError):
                continue  # taken by a concurrent reader, or half-written: skip it
        return commands


class CallControl:
    """Commands from the provider API for one call (thread-safe)."""

    def __init__(self, sid: str, inbox: ControlInbox | None = None) -> None:
        self.sid = sid
        self._inbox = inbox
        self._commands: deque[dict] = deque()
        self._lock = threading.Lock()
        self.wake = threading.Event()

    def push(self, command: dict) -> None:
        with self._lock:
            self._commands.append(command)
        self.wake.set()

    def discard(self) -> None:
        """Forget what is left (the call is over): no stale command files are left behind."""
        if self._inbox is not None:
            self._inbox.take(self.sid)
        with self._lock:
            self._commands.clear()

    def pop(self) -> dict | None:
        if self._inbox is not None:
            for command in self._inbox.take(self.sid):
                self.push(command)
        with self._lock:
            if not self._commands:
                self.wake.clear()
                return None
            return self._commands.popleft()


def interruption(command: dict) -> CallInterrupted:
    if command.get("action") == "redirect":
        return RedirectRequested(command["url"])
    return HangUpRequested()


class Timeline:
    """Simulated seconds since the call was placed; waits compressed by `scale`."""

    def __init__(self, scale: float, control: CallControl, stopping: threading.Event) -> None:
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = scale
        self.control = control
        self.stopping = stopping
        self.now = 0.0
        self.callee_hangs_up_at: float | None = None
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def at(self, when: float, action: Callable[[], None]) -> None:
        """Run `action` once simulated time reaches `when` (during a later sleep)."""
        heapq.heappush(self._events, (when, next(self._order), action))

    def cancel_events(self) -> None:
        self._events.clear()

    def check(self) -> None:
        """Raise what interrupts the call now, if anything."""
        if self.stopping.is_set():
            raise SimulationStopped()
        command = self.control.pop()
        if command is not None:
            raise interruption(command)
        if self.callee_hangs_up_at is not None and self.now >= self.callee_hangs_up_at:
            raise CalleeHungUp()

    def sleep(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass, firing due events, unless interrupted."""
        target = self.now + max(seconds, 0.0)
        while True:
            self.check()
            self._fire_due_events()
            if self.now >= target:
                return
            stop_at = min([target] + [when for when, _, _ in self._events[:1]]
                          + ([self.callee_hangs_up_at] if self.callee_hangs_up_at is not None else []))
            real_wait = min((stop_at - self.now) / self.scale, POLL_SECONDS)
            started = time.monotonic()
            self.control.wake.wait(real_wait)
            self.now = min(stop_at, self.now + (time.monotonic() - started) * self.scale)

    def _fire_due_events(self) -> None:
        while self._events and self._events[0][0] <= self.now:
            _, _, action = heapq.heappop(self._events)
            action()
