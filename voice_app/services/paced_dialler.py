"""The dispatcher loop's dialler: dials the claimed batches handed to it, in order and one call
at a time, on a thread of its own, so the loop claims the next batch while the current one is
still being dialled (voice_app.domain.rate: why, and CLAIM_LEAD_SECONDS).

It only decides *when* each batch's next call comes up; the batch itself waits for the pacer's
slot and checks the call may still be dialled (voice_app.services.dispatch_pass.ClaimedBatch).
One thread takes every slot, so the account's one pacer keeps one grid across batches.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable
from typing import Protocol

from voice_app.domain.rate import CLAIM_LEAD_SECONDS
from voice_app.domain.rate import time_to_claim_next

log = logging.getLogger("veille.dispatch")

# How often a caller waiting in `hand_over` looks again without being woken (a safety net:
# every call dialled wakes it).
RECHECK_SECONDS = 0.1


class Batch(Protocol):
    """Claimed calls dialled one at a time (dispatch_pass.ClaimedBatch)."""

    @property
    def waiting(self) -> int: ...

    @property
    def seconds_left(self) -> float: ...

    def dial_next(self) -> None:
        """Wait for the next slot, then dial the next call, or give back every call left."""

    def take_rest(self) -> list: ...


class PacedDialler:
    """Dials handed-over batches on its own thread until closed; see the module docstring."""

    def __init__(self, lead_seconds: float = CLAIM_LEAD_SECONDS) -> None:
        self.lead_seconds = lead_seconds
        self._batches: deque[Batch] = deque()
        self._changed = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._dial_until_closed, name="dialler", daemon=True)
        self._thread.start()

    def hand_over(self, batch: Batch, should_stop: Callable[[], bool]) -> None:
        """Queue `batch` behind the others; return once the calls in hand last no more than the
        lead (time to claim the next batch) or the dispatcher is stopping."""
        with self._changed:
            self._batches.append(batch)
            self._changed.notify_all()
            while not should_stop() and not time_to_claim_next(self._seconds_in_hand(), self.lead_seconds):
                self._changed.wait(RECHECK_SECONDS)

    def close(self) -> None:
        """Dial what is queued (a stopping dispatcher's batches give their calls back), then end."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()

    def _seconds_in_hand(self) -> float:
        return sum(batch.seconds_left for batch in self._batches)

    def _next_batch(self) -> Batch | None:
        with self._changed:
            while not self._batches and not self._closing:
                self._changed.wait()
            return self._batches[0] if self._batches else None

    def _dial_until_closed(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                batch.dial_next()  # outside the lock: it sleeps until its slot
            except Exception:  # e.g. the database lost while giving calls back
                batch.take_rest()  # none of it is dialled after this: the sweep settles its claims
                log.error("dispatch.dialler_failed\n%s", traceback.format_exc())
            with self._changed:
                if not batch.waiting:
                    self._batches.popleft()
                self._changed.notify_all()
