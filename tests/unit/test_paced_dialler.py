"""The dispatcher loop's dialler: batches dialled in order, the next claim let through ahead."""

from __future__ import annotations

import logging
import threading

from voice_app.services.paced_dialler import PacedDialler

WAIT = 10  # seconds a test waits for the dialler thread before failing


class Batch:
    """Calls that go out one by one into `dialled`; a call may be held at a gate."""

    def __init__(self, name: str, calls: int, calls_per_second: float, dialled: list[str], *,
                 hold_at: int | None = None, fail_at: int | None = None) -> None:
        self.calls = [f"{name}{index}" for index in range(calls)]
        self.calls_per_second = calls_per_second
        self.dialled = dialled
        self.taken = 0
        self.hold_at, self.fail_at = hold_at, fail_at
        self.held, self.go = threading.Event(), threading.Event()

    @property
    def waiting(self) -> int:
        return len(self.calls) - self.taken

    @property
    def seconds_left(self) -> float:
        return self.waiting / self.calls_per_second

    def dial_next(self) -> None:
        if self.taken == self.hold_at:
            self.held.set()
            assert self.go.wait(WAIT)
        if self.taken == self.fail_at:
            raise RuntimeError("database gone")
        self.dialled.append(self.calls[self.taken])
        self.taken += 1

    def take_rest(self) -> list[str]:
        rest, self.taken = self.calls[self.taken:], len(self.calls)
        return rest


def never() -> bool:
    return False


def test_a_batch_is_handed_back_for_the_next_claim_once_what_is_left_lasts_no_more_than_the_lead():
    dialled: list[str] = []
    first = Batch("a", 30, calls_per_second=10, dialled=dialled, hold_at=25)
    dialler = PacedDialler(lead_seconds=1.0)
    dialler.hand_over(first, never)
    assert 5 <= first.waiting <= 10  # still being dialled: the next claim overlaps its last second
    assert first.held.wait(WAIT)
    second = Batch("b", 5, calls_per_second=10, dialled=dialled)
    dialler.hand_over(second, never)  # 0.5 s + 0.5 s in hand: at the lead, back at once
    assert dialled == first.calls[:25]
    first.go.set()
    dialler.close()
    assert dialled == first.calls + second.calls


def test_a_stopping_dispatcher_is_not_held_and_what_is_queued_is_still_dealt_with():
    dialled: list[str] = []
    batch = Batch("a", 100, calls_per_second=1, dialled=dialled, hold_at=0)
    dialler = PacedDialler(lead_seconds=1.0)
    dialler.hand_over(batch, lambda: True)
    assert batch.waiting == 100
    batch.go.set()
    dialler.close()  # a real batch gives its calls back when stopping; this one dials them
    assert batch.waiting == 0 and dialled == batch.calls


def test_a_batch_that_fails_is_dropped_and_the_next_one_still_dialled(caplog):
    dialled: list[str] = []
    failing = Batch("a", 4, calls_per_second=100, dialled=dialled, fail_at=1)
    after = Batch("b", 2, calls_per_second=100, dialled=dialled)
    caplog.set_level(logging.ERROR, logger="veille.dispatch")
    dialler = PacedDialler(lead_seconds=1.0)
    dialler.hand_over(failing, never)
    dialler.hand_over(after, never)
    dialler.close()
    assert dialled == ["a0", "b0", "b1"]
    assert failing.waiting == 0
    assert any("dispatch.dialler_failed" in record.getMessage() for record in caplog.records)
