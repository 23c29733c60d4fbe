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
4. The dispatcher loop claims the next batch while the current one is still being dialled:
   its batches go to a PacedDialler (voice_app.services.paced_dialler), a thread that takes
   every slot of the one pacer, and the pass that handed a batch over returns once the calls
   left in hand last no more than CLAIM_LEAD_SECONDS (one second). The next pass's claim then
   runs during that second, so the next batch takes the next slot of the same grid instead of
   the pacer restarting after each claim (voice_app.domain.rate says why). Each batch is
   still claimed, checked and committed in one transaction before any of it is dialled, no
   attempt is in two batches (the claim is the only way out of `due`), and every call is
   checked at its slot (stopping, stale, window closed, provider paused) wherever it is
   dialled. `dispatch_due_calls` without a dialler (tests, commands, the benchmark's
   overhead) claims and dials in turn, as before.

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

Where: a pass is a `DispatchPass` (voice_app.services.dispatch_pass); which campaigns may dial
and the claim-time checks are in voice_app.services.claim_checks; this module runs the passes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from voice_app.services.dispatch_pass import STALE_CLAIM_SECONDS
from voice_app.services.dispatch_pass import DispatcherState
from voice_app.services.dispatch_pass import DispatchPass
from voice_app.services.dispatch_pass import DispatchSummary
from voice_app.services.paced_dialler import PacedDialler
from voice_app.services.ports import Runtime

__all__ = ["STALE_CLAIM_SECONDS", "DispatchSummary", "DispatcherState", "default_worker_id",
           "dispatch_due_calls", "run_dispatcher"]

log = logging.getLogger("veille.dispatch")

DEFAULT_BATCH_LIMIT = 500
IDLE_SECONDS = 1.0
DIAL_THREADS = 32  # provider calls in flight at once (a Twilio request takes a few hundred ms)
MAX_BACKOFF_SECONDS = 30.0


def default_worker_id() -> str:
    """`host:pid`, stored in claimed_by so a stuck claim names the process that took it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def dispatch_due_calls(veille: Runtime, now: datetime, *, worker_id: str, limit: int = DEFAULT_BATCH_LIMIT,
                       state: DispatcherState | None = None,
                       should_stop: Callable[[], bool] = lambda: False,
                       sleep: Callable[[float], object] = time.sleep,
                       monotonic: Callable[[], float] = time.monotonic,
                       dial_pool: Executor | None = None,
                       dialler: PacedDialler | None = None) -> DispatchSummary:
    """Claim up to `limit` attempts due by `now` in campaigns whose window is open, commit,
    then dial them at the account's rate.

    `state` keeps the pacing and the provider pause across passes (the dispatcher loop passes
    the same one every time); `sleep` waits between provider calls (the loop passes its stop
    event's `wait`, so stopping never waits for pacing). Without `dial_pool` each call is
    dialled inline and the summary is complete on return; with it, calls are dialled on the
    pool and `placed`/`not_placed` count those finished by then. With `dialler`, batches are
    handed to it and the pass returns while the last one is still being dialled (its `dialled`
    and what follows count what was done by then).
    """
    state = DispatcherState() if state is None else state
    return DispatchPass(veille, now, worker_id, limit, state, should_stop, sleep, monotonic, dial_pool,
                        dialler).run()


def run_dispatcher(veille: Runtime, stop_event: threading.Event, *, worker_id: str | None = None,
                   limit: int = DEFAULT_BATCH_LIMIT, idle_seconds: float = IDLE_SECONDS,
                   max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
                   dial_threads: int = DIAL_THREADS) -> None:
    """Dispatch until `stop_event` is set (the clock's dispatcher thread).

    Loops without pause while there is work, waits `idle_seconds` when there is none, and
    backs off exponentially (up to `max_backoff_seconds`) while the database is unreachable.
    Calls are dialled by a PacedDialler while the next batch is claimed, each on one of
    `dial_threads` threads; on stop, claims not yet dialled go back to `due` and calls already
    handed to a dial thread finish. A provider that cannot be built (ConfigError) stops it
    before anything is claimed.
    """
    worker_id = worker_id or default_worker_id()
    # The provider client is built before the first paced slot: built lazily by the first dial
    # threads, it would hold their calls back and then let them all go at once (a burst).
    veille.telephony  # noqa: B018
    log.info("dispatch.started worker=%s", worker_id)
    with ThreadPoolExecutor(max_workers=dial_threads, thread_name_prefix="dial") as dial_pool:
        dialler = PacedDialler()
        try:
            _dispatch_until_stopped(veille, stop_event, worker_id, limit, idle_seconds, max_backoff_seconds,
                                    dial_pool, dialler)
        finally:
            dialler.close()  # before the dial pool closes: the last batches still submit to it
    log.info("dispatch.stopped worker=%s", worker_id)


def _dispatch_until_stopped(veille: Runtime, stop_event: threading.Event, worker_id: str, limit: int,
                            idle_seconds: float, max_backoff_seconds: float, dial_pool: Executor,
                            dialler: PacedDialler) -> None:
    state = DispatcherState()
    paused: dict[int, str] = {}
    closed: dict[int, datetime | None] = {}
    backoff = 0.0
    while not stop_event.is_set():
        try:
            summary = dispatch_due_calls(veille, veille.clock(), worker_id=worker_id, limit=limit,
                                         state=state, should_stop=stop_event.is_set, sleep=stop_event.wait,
                                         dial_pool=dial_pool, dialler=dialler)
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
