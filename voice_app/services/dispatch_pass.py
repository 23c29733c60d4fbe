"""One pass of the dispatcher: claim a batch per dialable campaign, commit, then dial it at the
account's rate, here or on the dispatcher's paced dialler (voice_app.services.dispatch says how
and why)."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from db.repositories import attempts
from db.repositories.attempts import ClaimedAttempt
from voice_app.compressed_clock import real_seconds_before_close
from voice_app.domain.rate import CLAIM_HORIZON_SECONDS
from voice_app.domain.rate import DEFAULT_CALLS_PER_SECOND
from voice_app.domain.rate import Pacer
from voice_app.domain.rate import ProviderPause
from voice_app.domain.rate import RateLimits
from voice_app.domain.rate import account_rate
from voice_app.domain.rate import claim_size
from voice_app.domain.rate import seconds_of_dialling
from voice_app.services.claim_checks import claim_time_verdicts
from voice_app.services.claim_checks import dialable_now
from voice_app.services.claim_checks import end_skipped
from voice_app.services.claim_checks import postpone
from voice_app.services.dialling import place_claimed_attempt
from voice_app.services.paced_dialler import PacedDialler
from voice_app.services.ports import ProviderUnavailable
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.dispatch")

STALE_CLAIM_SECONDS = 60.0  # well under the sweep's claim deadline (voice_app.services.sweep)


@dataclass
class DispatchSummary:
    """What one dispatch pass did."""

    claimed: int = 0
    dialled: int = 0  # handed to the provider (placed + not_placed, once every dial is done)
    placed: int = 0
    not_placed: int = 0  # refused, ambiguous, crashed (recorded on the attempt) or given back
    released: int = 0  # given back to `due` undialled (stopping, stale, window closed, provider paused,
    #                    the tenant already in a call)
    skipped: Counter = field(default_factory=Counter)
    paused: dict[int, str] = field(default_factory=dict)  # campaign id -> reason
    outside_hours: dict[int, datetime | None] = field(default_factory=dict)  # campaign id -> next opening
    provider_paused: bool = False  # the provider cannot take calls: nothing is dialled for a while


@dataclass
class DispatcherState:
    """What the dispatcher keeps from one pass to the next: the account's one pacer, and the
    pause after the provider said it cannot take calls (dial threads start it: hence the lock)."""

    pacer: Pacer = field(default_factory=lambda: Pacer(DEFAULT_CALLS_PER_SECOND))
    pause: ProviderPause = field(default_factory=ProviderPause)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def provider_paused(self, now: float) -> bool:
        with self.lock:
            return self.pause.blocks(now)


@dataclass
class ClaimedBatch:
    """One campaign's claimed attempts, dialled in order at the pacer's slots by the pass that
    claimed them (`dial_next`, one call at a time, is all a PacedDialler needs)."""

    dispatch: DispatchPass = field(repr=False)
    attempts: list[ClaimedAttempt]
    calls_per_second: float  # the account's rate when claimed
    claimed_at: float  # monotonic; a claim older than STALE_CLAIM_SECONDS is given back, never dialled
    window_closes: float  # monotonic; no call of the batch at or after it
    taken: int = 0  # attempts dialled or given back so far

    @property
    def waiting(self) -> int:
        return len(self.attempts) - self.taken

    @property
    def seconds_left(self) -> float:
        return seconds_of_dialling(self.waiting, self.calls_per_second)

    def dial_next(self) -> None:
        self.dispatch.dial_next(self)

    def take_next(self) -> ClaimedAttempt:
        self.taken += 1
        return self.attempts[self.taken - 1]

    def take_rest(self) -> list[ClaimedAttempt]:
        rest, self.taken = self.attempts[self.taken:], len(self.attempts)
        return rest


@dataclass
class DispatchPass:
    """One pass at `now`: the database, who claims, how many at most, the state kept between
    passes, and the clock, sleep, dial pool and paced dialler it runs with (see
    dispatch_due_calls)."""

    veille: Runtime
    now: datetime
    worker_id: str
    limit: int
    state: DispatcherState
    should_stop: Callable[[], bool] = lambda: False
    sleep: Callable[[float], object] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    dial_pool: Executor | None = None
    dialler: PacedDialler | None = None
    summary: DispatchSummary = field(default_factory=DispatchSummary)
    counts: threading.Lock = field(default_factory=threading.Lock)  # dial threads update the summary

    def run(self) -> DispatchSummary:
        """Claim and dial, campaign by campaign, until the limit, a stop or a provider pause."""
        started = self.monotonic()
        if self.state.provider_paused(started):
            self.summary.provider_paused = True
            return self.summary
        with self.veille.session_factory.begin() as session:
            due = attempts.campaigns_with_due_attempts(session, self.now)
            campaigns = [(campaign, policy, attempts.zones_with_due_attempts(session, campaign, self.now))
                         for campaign, policy in due]
        dialable = dialable_now(campaigns, self.now, self.summary)
        rate = account_rate(limits for _campaign_id, limits, _open in dialable)
        if rate is None:
            return self.summary
        for campaign_id, limits, open_zones in dialable:
            if self.summary.claimed >= self.limit or self.should_stop() or self.state.provider_paused(
                    self.monotonic()):
                break
            open_seconds = (min(open_zones.values()) - self.now).total_seconds()  # the first zone to close
            shared = RateLimits(rate, limits.max_concurrent_calls)  # the account's rate, the campaign's lines
            claimed = self._claim_batch(campaign_id, shared, min(CLAIM_HORIZON_SECONDS, open_seconds),
                                        tuple(open_zones))
            # On the demo's compressed clock, a window closes sooner in real seconds.
            closes = started + real_seconds_before_close(open_seconds, self.veille.time_scale)
            if claimed:
                self._dial_batch(ClaimedBatch(self, claimed, rate, self.monotonic(), closes))
        return self.summary

    def _claim_batch(self, campaign_id: int, limits: RateLimits, horizon_seconds: float,
                     zones: tuple[str | None, ...]) -> list[ClaimedAttempt]:
        """Claim (in the open `zones`), re-check and commit; return the attempts to dial."""
        summary = self.summary
        with self.veille.session_factory.begin() as session:
            attempts.lock_campaign(session, campaign_id)
            size = claim_size(limits, attempts.count_active_calls(session, campaign_id),
                              self.limit - summary.claimed, horizon_seconds)
            if size == 0:
                return []
            claimed = attempts.claim_due_attempts(session, campaign_id, self.now, self.worker_id, size, zones)
            summary.claimed += len(claimed)
            verdicts = claim_time_verdicts(session, claimed, self.now)
            to_dial = [v for v in verdicts.values() if isinstance(v, ClaimedAttempt)]
            summary.skipped.update(v for v in verdicts.values() if isinstance(v, str))
            end_skipped(session, verdicts, self.worker_id, self.now)
            summary.released += postpone(session, verdicts, self.worker_id, self.now)
            planned = {a.id: a.to_number for a in claimed}  # the attempt keeps the number dialled
            attempts.set_numbers(session, {a.id: a.to_number for a in to_dial
                                           if a.to_number != planned[a.id]})
        if claimed:
            log.info("dispatch.claimed campaign_id=%s count=%s to_dial=%s worker=%s", campaign_id,
                     len(claimed), len(to_dial), self.worker_id)
        return to_dial

    def _dial_batch(self, batch: ClaimedBatch) -> None:
        """Dial the batch here, or hand it to the paced dialler, which returns as soon as it is
        time to claim the next batch (while this one is still being dialled)."""
        if self.dialler is not None:
            self.dialler.hand_over(batch, self.should_stop)
            return
        while batch.waiting:
            self.dial_next(batch)

    def dial_next(self, batch: ClaimedBatch) -> None:
        """Wait for the pacer's next slot, then hand the batch's next attempt to the provider
        (inline, or on the dial pool so a slow provider or slow bookkeeping never holds the
        rate back). Give back the rest of the batch instead when it can no longer be dialled in
        time: stopping, a stale claim, the window closed (`window_closes`, on the monotonic
        clock) or the provider paused."""
        self.state.pacer.set_rate(batch.calls_per_second)
        wait = self.state.pacer.reserve(self.monotonic())
        if wait > 0:
            self.sleep(wait)
        moment = self.monotonic()
        if (self.should_stop() or moment - batch.claimed_at > STALE_CLAIM_SECONDS
                or moment >= batch.window_closes or self.state.provider_paused(moment)):
            self._release(batch.take_rest())
            return
        with self.counts:  # counted before it is taken: whoever sees it taken sees it counted
            self.summary.dialled += 1
        attempt = batch.take_next()
        if self.dial_pool is None:
            self._dial(attempt, batch.claimed_at)
        else:
            self.dial_pool.submit(self._dial, attempt, batch.claimed_at)

    def _dial(self, attempt: ClaimedAttempt, claimed_at: float) -> None:
        unavailable: list[ProviderUnavailable] = []
        try:
            # Waited too long for a free dial thread, or the provider refused another call meanwhile.
            stale = self.monotonic() - claimed_at > STALE_CLAIM_SECONDS
            if stale or self.state.provider_paused(self.monotonic()):
                with self.counts:
                    self.summary.dialled -= 1
                self._release([attempt])
                return
            placed = place_claimed_attempt(self.veille, attempt.id, attempt.token, attempt.to_number,
                                           on_unavailable=unavailable.append)
        except Exception:  # the attempt's fate is unknown: the sweep reconciles it, never a re-dial
            log.error("dispatch.dial_failed attempt_id=%s\n%s", attempt.id, traceback.format_exc())
            placed = None
        if unavailable:
            self._pause_dialling(unavailable[0])
        elif placed:
            with self.state.lock:
                self.state.pause.call_placed()
        with self.counts:
            if placed:
                self.summary.placed += 1
            else:
                self.summary.not_placed += 1

    def _pause_dialling(self, error: ProviderUnavailable) -> None:
        """The provider cannot take calls (the attempt is already due again): stop dialling for a
        while, and say so loudly once per pause (the error code, never a number)."""
        with self.state.lock:
            seconds = self.state.pause.start(self.monotonic())
        self.summary.provider_paused = True
        if seconds is not None:
            log.error("dispatch.provider_unavailable code=%s status=%s pause=%.0fs error=%s", error.code,
                      error.status, seconds, error)

    def _release(self, rest: list[ClaimedAttempt]) -> None:
        with self.veille.session_factory.begin() as session:
            released = attempts.release_claims(session, [a.id for a in rest], self.worker_id)
        with self.counts:
            self.summary.released += released
        log.info("dispatch.released count=%s worker=%s", released, self.worker_id)
