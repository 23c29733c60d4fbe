"""Dispatch: claim the attempts that are due, re-check each tenant, then dial at the account's rate.

Theory of operation, per campaign with due attempts:
0. A campaign outside its calling hours (voice_app.domain.windows) claims nothing, whatever
   is due: after an outage, a pause or a backlog, nobody is rung at night, on a weekend or a
   public holiday the campaign does not call on. Calling hours are those of each attempt's
   time zone (copied from the tenant at planning; None is Europe/Paris): a Guadeloupe tenant
   is rung in Guadeloupe's hours, so a campaign may be open for some zones and not others,
   and only attempts of its open zones are claimed. When its window opens, the backlog is
   dialled oldest first at the usual rate (the pacer never bursts), and a batch is never
   dialled past the window's end. What is still due when the round ends is cancelled by the
   round's closing (voice_app.services.rounds).
1. One transaction claims a batch (db.repositories.attempts: SKIP LOCKED on PostgreSQL, a
   conditional `UPDATE ... WHERE state = 'due'` everywhere) no bigger than the campaign's free
   simultaneous-call slots and about five seconds of dialling at its rate.
2. In the same transaction each claimed attempt is checked again, because the world changed
   since planning. An attempt that may not be dialled is `cancelled` with an outcome:
   `skipped_opt_out` (the tenant opted out, or the number is on the organisation's
   suppression list; their numbers are erased, so this comes first), `skipped_unenrolled`
   (no enrolment, or unenrolled), `skipped_away` (an away period covers today's Paris
   date). An attempt with no number at all ends `failed`.
3. The transaction commits, THEN each attempt is dialled outside any transaction
   (voice_app.services.dialling), paced by voice_app.domain.rate.Pacer. The dispatcher loop
   hands each call to a small pool of dial threads at its slot, so the provider's latency (a
   Twilio request takes a few hundred milliseconds) never lowers the achieved rate.

The provider's calls-per-second limit is per account and a process dials through one
account, so one pacer serves every campaign, at the lowest rate among the campaigns being
dialled (voice_app.domain.rate.account_rate). When the provider refuses a call for a reason
that is not the number (ProviderUnavailable: credentials, caller id, suspended account,
throttling...), the claim goes back to `due` and no call is made for a pause that grows
while it lasts (voice_app.domain.rate.ProviderPause): a whole round never ends `failed`.

A campaign whose rate or maximum of simultaneous calls is 0 (or not a number) is paused: its
attempts stay due, nothing is claimed. A claim is never dialled late: if its batch took more
than STALE_CLAIM_SECONDS, or the dispatcher is stopping, the rest goes back to `due` (it was
certainly not dialled). Nothing here raises because of one call: `run_dispatcher` survives
provider exceptions of any kind and database outages (log, back off, retry).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from db.repositories import attempts
from db.repositories.attempts import ClaimedAttempt
from voice_app.bootstrap import Veille
from voice_app.compressed_clock import real_seconds_before_close
from voice_app.domain.calendar import paris_date
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.rate import CLAIM_HORIZON_SECONDS
from voice_app.domain.rate import DEFAULT_CALLS_PER_SECOND
from voice_app.domain.rate import Pacer
from voice_app.domain.rate import ProviderPause
from voice_app.domain.rate import RateLimits
from voice_app.domain.rate import account_rate
from voice_app.domain.rate import claim_size
from voice_app.domain.rate import rate_limits
from voice_app.domain.time_zones import zone
from voice_app.domain.windows import calling_hours
from voice_app.domain.windows import next_open_at
from voice_app.domain.windows import open_until
from voice_app.services.dialling import place_claimed_attempt
from voice_app.services.ports import ProviderUnavailable
from voice_app.services.suppression import hash_in

log = logging.getLogger("veille.dispatch")

DEFAULT_BATCH_LIMIT = 500
STALE_CLAIM_SECONDS = 60.0  # well under the sweep's claim deadline (voice_app.services.sweep)
IDLE_SECONDS = 1.0
DIAL_THREADS = 32  # provider calls in flight at once (a Twilio request takes a few hundred ms)
_COUNTS = threading.Lock()  # dial threads update a pass's summary
MAX_BACKOFF_SECONDS = 30.0
OPENING_LOOKAHEAD = timedelta(days=14)  # how far ahead a closed campaign's next window is looked for

SKIPPED_UNENROLLED = "skipped_unenrolled"
SKIPPED_OPT_OUT = "skipped_opt_out"
SKIPPED_AWAY = "skipped_away"


@dataclass
class DispatchSummary:
    """What one dispatch pass did."""

    claimed: int = 0
    dialled: int = 0  # handed to the provider (placed + not_placed, once every dial is done)
    placed: int = 0
    not_placed: int = 0  # refused, ambiguous, crashed (recorded on the attempt) or given back
    released: int = 0  # given back to `due` undialled (stopping, stale, window closed, provider paused)
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


def default_worker_id() -> str:
    """`host:pid`, stored in claimed_by so a stuck claim names the process that took it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def dispatch_due_calls(veille: Veille, now: datetime, *, worker_id: str, limit: int = DEFAULT_BATCH_LIMIT,
                       state: DispatcherState | None = None,
                       should_stop: Callable[[], bool] = lambda: False,
                       sleep: Callable[[float], object] = time.sleep,
                       monotonic: Callable[[], float] = time.monotonic,
                       dial_pool: Executor | None = None) -> DispatchSummary:
    """Claim up to `limit` attempts due by `now` in campaigns whose window is open, commit,
    then dial them at the account's rate.

    `state` keeps the pacing and the provider pause across passes (the dispatcher loop passes
    the same one every time); `sleep` waits between provider calls (the loop passes its stop
    event's `wait`, so stopping never waits for pacing). Without `dial_pool` each call is
    dialled inline and the summary is complete on return; with it, calls are dialled on the
    pool and `placed`/`not_placed` count those finished by then.
    """
    summary = DispatchSummary()
    state = DispatcherState() if state is None else state
    started = monotonic()
    if state.provider_paused(started):
        summary.provider_paused = True
        return summary
    with veille.session_factory.begin() as session:
        campaigns = [(campaign_id, policy, attempts.zones_with_due_attempts(session, campaign_id, now))
                     for campaign_id, policy in attempts.campaigns_with_due_attempts(session, now)]
    dialable = _dialable_now(campaigns, now, summary)
    rate = account_rate(limits for _campaign_id, limits, _open in dialable)
    if rate is None:
        return summary
    state.pacer.set_rate(rate)
    for campaign_id, limits, open_zones in dialable:
        if summary.claimed >= limit or should_stop() or state.provider_paused(monotonic()):
            break
        open_seconds = (min(open_zones.values()) - now).total_seconds()  # the first zone to close
        shared = RateLimits(rate, limits.max_concurrent_calls)  # the account's rate, the campaign's lines
        batch = _claim_batch(veille, campaign_id, shared, now, worker_id, limit - summary.claimed, summary,
                             min(CLAIM_HORIZON_SECONDS, open_seconds), tuple(open_zones))
        closes = started + real_seconds_before_close(open_seconds, veille.time_scale)  # the demo's clock
        _dial_batch(veille, batch, state, closes, worker_id, summary, should_stop, sleep,
                    monotonic, dial_pool)
    return summary


def _dialable_now(campaigns: list[tuple[int, dict, set[str | None]]], now: datetime,
                  summary: DispatchSummary) -> list[tuple[int, RateLimits, dict[str | None, datetime]]]:
    """(id, limits, {zone with calls due and open now: when its window closes}) of each
    campaign that may dial at `now`; the others are noted in the summary: paused (with the
    reason) or outside the calling hours of every zone it has calls due in (with when the
    first of them opens next)."""
    dialable = []
    for campaign_id, policy, zones in campaigns:
        if not zones:  # its last due call was claimed between the two lookups
            continue
        limits = rate_limits(policy)
        try:
            hours = calling_hours(policy)
        except InvalidPolicy as error:
            limits = RateLimits(0.0, 0, problem=f"unreadable calling hours: {error}")
        if limits.paused:
            summary.paused[campaign_id] = limits.pause_reason
            log.debug("dispatch.paused campaign_id=%s reason=%s", campaign_id, limits.pause_reason)
            continue
        closing = {name: open_until(hours, now, zone(name)) for name in zones}
        open_zones = {name: closes for name, closes in closing.items() if closes is not None}
        if not open_zones:
            openings = [next_open_at(hours, now, now + OPENING_LOOKAHEAD, tz=zone(name)) for name in zones]
            summary.outside_hours[campaign_id] = min((at for at in openings if at), default=None)
            continue
        dialable.append((campaign_id, limits, open_zones))
    return dialable


def _claim_batch(veille: Veille, campaign_id: int, limits: RateLimits, now: datetime, worker_id: str,
                 limit: int, summary: DispatchSummary, horizon_seconds: float,
                 zones: tuple[str | None, ...]) -> list[ClaimedAttempt]:
    """Claim (in the open `zones`), re-check and commit; return the attempts to dial."""
    with veille.session_factory.begin() as session:
        attempts.lock_campaign(session, campaign_id)
        size = claim_size(limits, attempts.count_active_calls(session, campaign_id), limit, horizon_seconds)
        if size == 0:
            return []
        claimed = attempts.claim_due_attempts(session, campaign_id, now, worker_id, size, zones)
        summary.claimed += len(claimed)
        verdicts = _claim_time_verdicts(session, claimed, now)
        to_dial = []
        for attempt in claimed:
            verdict = verdicts[attempt.id]
            if isinstance(verdict, ClaimedAttempt):
                to_dial.append(verdict)
            else:
                summary.skipped[verdict] += 1
        _end_skipped(session, verdicts, worker_id, now)
        planned_without_number = {a.id for a in claimed if a.to_number is None}
        attempts.set_numbers(session, {a.id: a.to_number for a in to_dial if a.id in planned_without_number})
    if claimed:
        log.info("dispatch.claimed campaign_id=%s count=%s to_dial=%s worker=%s", campaign_id,
                 len(claimed), len(to_dial), worker_id)
    return to_dial


def _claim_time_verdicts(session, claimed: list[ClaimedAttempt], now: datetime) -> dict:
    """For each claimed attempt: the attempt to dial (with its number), or the outcome that
    cancels it (`skipped_*`, or `failed` when there is no number to dial)."""
    tenant_ids = {a.tenant_id for a in claimed if a.tenant_id is not None}
    standings = attempts.tenant_standings(session, tenant_ids)
    away = attempts.tenants_away_on(session, tenant_ids, paris_date(now))
    numbers = {a.id: a.to_number or getattr(standings.get(a.tenant_id), "phone", None) for a in claimed}
    hashed = {attempt_id: hash_in(session, number) for attempt_id, number in numbers.items() if number}
    suppressed = set()
    for organisation_id in {a.organisation_id for a in claimed}:
        hashes = {hashed[a.id] for a in claimed if a.organisation_id == organisation_id and a.id in hashed}
        suppressed |= attempts.suppressed_among(session, organisation_id, hashes)
    verdicts = {}
    for attempt in claimed:
        number = numbers[attempt.id]
        standing = standings.get(attempt.tenant_id)
        # Opt-out first: an opted-out tenant is unenrolled too, and has no number left.
        if (standing is not None and standing.opted_out) or hashed.get(attempt.id) in suppressed:
            verdicts[attempt.id] = SKIPPED_OPT_OUT
        elif standing is None or not standing.enrolled:
            verdicts[attempt.id] = SKIPPED_UNENROLLED
        elif attempt.tenant_id in away:
            verdicts[attempt.id] = SKIPPED_AWAY
        elif not number:
            verdicts[attempt.id] = "failed"
        else:
            verdicts[attempt.id] = ClaimedAttempt(attempt.id, attempt.token, attempt.organisation_id,
                                                  attempt.tenant_id, number)
    return verdicts


def _end_skipped(session, verdicts: dict, worker_id: str, now: datetime) -> None:
    by_outcome: dict[str, list[int]] = {}
    for attempt_id, verdict in verdicts.items():
        if isinstance(verdict, str):
            by_outcome.setdefault(verdict, []).append(attempt_id)
    for outcome, ids in by_outcome.items():
        if outcome == "failed":
            attempts.finish_claims(session, ids, worker_id, state="ended", outcome="failed", now=now,
                                   error="no phone number to dial")
        else:
            attempts.finish_claims(session, ids, worker_id, state="cancelled", outcome=outcome, now=now)
        log.info("dispatch.skipped outcome=%s count=%s", outcome, len(ids))


def _dial_batch(veille: Veille, batch: list[ClaimedAttempt], state: DispatcherState, window_closes: float,
                worker_id: str, summary: DispatchSummary, should_stop, sleep, monotonic,
                dial_pool: Executor | None) -> None:
    """Hand each claimed attempt to the provider at the pacer's rate (inline, or on `dial_pool`
    so a slow provider or slow bookkeeping never holds the rate back); give back what cannot
    be dialled in time, before the window closes (`window_closes`, on the `monotonic` clock)
    or while the provider is paused."""
    claimed_at = monotonic()
    for index, attempt in enumerate(batch):
        wait = state.pacer.reserve(monotonic())
        if wait > 0:
            sleep(wait)
        moment = monotonic()
        if (should_stop() or moment - claimed_at > STALE_CLAIM_SECONDS or moment >= window_closes
                or state.provider_paused(moment)):
            _release(veille, batch[index:], worker_id, summary)
            return
        summary.dialled += 1
        if dial_pool is None:
            _dial(veille, attempt, state, worker_id, summary, claimed_at, monotonic)
        else:
            dial_pool.submit(_dial, veille, attempt, state, worker_id, summary, claimed_at, monotonic)


def _dial(veille: Veille, attempt: ClaimedAttempt, state: DispatcherState, worker_id: str,
          summary: DispatchSummary, claimed_at: float, monotonic) -> None:
    unavailable: list[ProviderUnavailable] = []
    try:
        # Waited too long for a free dial thread, or the provider refused another call meanwhile.
        if monotonic() - claimed_at > STALE_CLAIM_SECONDS or state.provider_paused(monotonic()):
            with _COUNTS:
                summary.dialled -= 1
            _release(veille, [attempt], worker_id, summary)
            return
        placed = place_claimed_attempt(veille, attempt.id, attempt.token, attempt.to_number,
                                       on_unavailable=unavailable.append)
    except Exception:  # the attempt's fate is unknown: the sweep reconciles it, never a re-dial
        log.error("dispatch.dial_failed attempt_id=%s\n%s", attempt.id, traceback.format_exc())
        placed = None
    if unavailable:
        _pause_dialling(state, unavailable[0], monotonic(), summary)
    elif placed:
        with state.lock:
            state.pause.call_placed()
    with _COUNTS:
        if placed:
            summary.placed += 1
        else:
            summary.not_placed += 1


def _pause_dialling(state: DispatcherState, error: ProviderUnavailable, now: float,
                    summary: DispatchSummary) -> None:
    """The provider cannot take calls (the attempt is already due again): stop dialling for a
    while, and say so loudly once per pause (the error code, never a number)."""
    with state.lock:
        seconds = state.pause.start(now)
    summary.provider_paused = True
    if seconds is not None:
        log.error("dispatch.provider_unavailable code=%s status=%s pause=%.0fs error=%s", error.code,
                  error.status, seconds, error)


def _release(veille: Veille, rest: list[ClaimedAttempt], worker_id: str, summary: DispatchSummary) -> None:
    with veille.session_factory.begin() as session:
        released = attempts.release_claims(session, [a.id for a in rest], worker_id)
    with _COUNTS:
        summary.released += released
    log.info("dispatch.released count=%s worker=%s", released, worker_id)


def run_dispatcher(veille: Veille, stop_event: threading.Event, *, worker_id: str | None = None,
                   limit: int = DEFAULT_BATCH_LIMIT, idle_seconds: float = IDLE_SECONDS,
                   max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
                   dial_threads: int = DIAL_THREADS) -> None:
    """Dispatch until `stop_event` is set (the clock's dispatcher thread).

    Loops without pause while there is work, waits `idle_seconds` when there is none, and
    backs off exponentially (up to `max_backoff_seconds`) while the database is unreachable.
    Provider calls run on `dial_threads` threads; on stop, calls already handed over finish.
    A provider that cannot be built (ConfigError) stops it before anything is claimed.
    """
    worker_id = worker_id or default_worker_id()
    # The provider client is built before the first paced slot: built lazily by the first dial
    # threads, it would hold their calls back and then let them all go at once (a burst).
    veille.telephony  # noqa: B018
    log.info("dispatch.started worker=%s", worker_id)
    with ThreadPoolExecutor(max_workers=dial_threads, thread_name_prefix="dial") as dial_pool:
        _dispatch_until_stopped(veille, stop_event, worker_id, limit, idle_seconds, max_backoff_seconds,
                                dial_pool)
    log.info("dispatch.stopped worker=%s", worker_id)


def _dispatch_until_stopped(veille: Veille, stop_event: threading.Event, worker_id: str, limit: int,
                            idle_seconds: float, max_backoff_seconds: float, dial_pool: Executor) -> None:
    state = DispatcherState()
    paused: dict[int, str] = {}
    closed: dict[int, datetime | None] = {}
    backoff = 0.0
    while not stop_event.is_set():
        try:
            summary = dispatch_due_calls(veille, veille.clock(), worker_id=worker_id, limit=limit,
                                         state=state, should_stop=stop_event.is_set, sleep=stop_event.wait,
                                         dial_pool=dial_pool)
        except DBAPIError as error:
            level = logging.DEBUG if backoff else logging.WARNING  # once per outage, not per retry
            backoff = min(max_backoff_seconds, max(1.0, backoff * 2))
            log.log(level, "dispatch.db_unavailable error=%s retry_in=%.0fs", type(error.orig).__name__,
                    backoff)
            stop_event.wait(backoff)
            continue
        except Exception:
            backoff = min(max_backoff_seconds, max(1.0, backoff * 2))
            # The traceback goes through the message, where phone numbers are masked.
            log.error("dispatch.failed retry_in=%.0fs\n%s", backoff, traceback.format_exc())
            stop_event.wait(backoff)
            continue
        backoff = 0.0
        if summary.claimed or not summary.provider_paused:  # else the pass looked at no campaign
            _log_pause_changes(paused, summary.paused)
            _log_closed_windows(closed, summary.outside_hours)
        if summary.claimed == 0:
            stop_event.wait(idle_seconds)


def _log_pause_changes(known: dict[int, str], now_paused: dict[int, str]) -> None:
    """Log a campaign when it becomes paused (with the reason), not on every pass."""
    for campaign_id, reason in now_paused.items():
        if known.get(campaign_id) != reason:
            log.warning("dispatch.campaign_paused campaign_id=%s reason=%s", campaign_id, reason)
    known.clear()
    known.update(now_paused)


def _log_closed_windows(known: dict[int, datetime | None], now_closed: dict[int, datetime | None]) -> None:
    """Log a campaign with calls due when its calling hours keep them waiting, not on every pass."""
    for campaign_id, opens_at in now_closed.items():
        if campaign_id not in known:
            shown = opens_at.isoformat() if opens_at else "none within 14 days"
            log.info("dispatch.outside_calling_hours campaign_id=%s opens_at=%s", campaign_id, shown)
    known.clear()
    known.update(now_closed)
