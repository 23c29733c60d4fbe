"""How the clock process stops: within seconds of SIGTERM, whatever the database does.

A Python signal handler only runs when the main thread gets back to Python code; a main
thread blocked in the database driver would never see the signal. So the signal is also
written to a wake-up socket (`signal.set_wakeup_fd`), which a watcher thread reads: it
sets the stop event at once (the clock stops between two steps), and if the process has
not finished within `grace_seconds` (a job stuck on a silent database, a lock release that
never returns), it exits anyway with `os._exit`. Nothing is lost by that: the leader lock
dies with the process (PostgreSQL ends the session; the kernel drops the file lock), an
unfinished transaction is rolled back, and a claim that was not dialled is settled by
the sweep (never re-dialled blindly).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable

log = logging.getLogger("veille.clock")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_GRACE_SECONDS = 8.0  # the clock is gone within 10 s of SIGTERM


class StopOnSignal:
    """Installs the handlers (main thread only) and the watcher; `close()` undoes them."""

    def __init__(self, stop_event: threading.Event, grace_seconds: float = STOP_GRACE_SECONDS,
                 force_exit: Callable[[int], None] = os._exit) -> None:
        self.stop_event = stop_event
        self.grace_seconds = grace_seconds
        self.finished = threading.Event()
        self._force_exit = force_exit
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)
        threading.Thread(target=self._watch, name="stop-watcher", daemon=True).start()

    def _on_signal(self, _signum, _frame) -> None:
        self.stop_event.set()  # the watcher logs: logging inside a signal handler can deadlock

    def _watch(self) -> None:
        try:
            received = self._reader.recv(1)
        except OSError:
            return
        if not received or self.finished.is_set():
            return
        self.stop_event.set()
        log.info("clock.stopping signal=%s grace=%.0fs", signal.Signals(received[0]).name, self.grace_seconds)
        if self.finished.wait(self.grace_seconds):
            return
        log.warning("clock.stop_forced after=%.0fs", self.grace_seconds)
        for handler in logging.getLogger("veille").handlers:
            handler.flush()
        self._force_exit(0)

    def close(self) -> None:
        """Stand the watcher down and restore the previous handlers (tests). The process does
        not call it: after a stop, interpreter shutdown still joins job threads, which a
        stalled database could hold; the watcher, a daemon, must still be able to end it."""
        self.finished.set()
        signal.set_wakeup_fd(self._previous_fd)
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler)
        self._writer.close()
        self._reader.close()
