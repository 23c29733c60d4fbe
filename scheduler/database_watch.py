"""One line when the database becomes unreachable, one when it is back: not one per tick.

The clock meets an unreachable database everywhere at once (the standby's lock poll every
second, each job every minute, the dispatcher's back-off); each place reports here, and
only a change of state is logged: `db.unreachable reason=... error=...` (ERROR) and
`db.reachable` (INFO). Thread-safe: jobs run on a pool.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("veille.clock")


class DatabaseWatch:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.unreachable = False

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if self.unreachable:
                return
            self.unreachable = True
        log.error("db.unreachable reason=%s error=%s", getattr(error, "reason", "-"),
                  type(getattr(error, "orig", None) or error).__name__)

    def answered(self) -> None:
        with self._lock:
            if not self.unreachable:
                return
            self.unreachable = False
        log.info("db.reachable")
