"""The clock: wait for leadership, then run the jobs and the dispatcher until told to stop.

Theory of operation:
- Standby: try the leader lock (scheduler.leader) every `standby_poll_seconds`; log
  `clock.standby` once, `clock.leader` when the lock is ours.
- Leading: an APScheduler 3.x BlockingScheduler (memory job store: campaign state lives in
  our tables) runs the periodic jobs (scheduler.jobs.JOBS) with explicit `misfire_grace_time`,
  `coalesce=True` and `max_instances=1`, and a dedicated dispatcher thread places due calls
  (voice_app.services.dispatch.run_dispatcher), so pacing is continuous rather than chopped
  into job runs. A heartbeat job checks the lock every `heartbeat_seconds`: when the lock is
  lost or a stop is requested, the scheduler shuts down, the dispatcher stops, running jobs
  finish, and the clock goes back to standby (or exits).
- On the demo's compressed clock (voice_app.compressed_clock) jobs run as often in demo time
  as they would in real time (every 60 s of the demo's clock), at most every 2 real seconds.
- Each job run catches and logs its own exception: one bad campaign never crash-loops the clock.
  An unreachable database is not a job's failure: it is logged once (`db.unreachable`,
  scheduler.database_watch) however many ticks meet it, and `db.reachable` when it answers.
- Before leading, the clock checks that the opt-out list was made with its SUPPRESSION_KEY:
  with another key it would dial tenants who asked to stop, so it refuses (a ConfigError).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from db.engine import DatabaseUnavailable
from scheduler.database_watch import DatabaseWatch
from scheduler.jobs import JOBS
from scheduler.jobs import Job
from scheduler.leader import LeaderLock
from voice_app.bootstrap import Veille

log = logging.getLogger("veille.clock")

Dispatcher = Callable[[Veille, threading.Event], None]
DISPATCHER_JOIN_SECONDS = 30.0
MIN_COMPRESSED_PERIOD_SECONDS = 2.0


def default_dispatcher(veille: Veille, stop_event: threading.Event) -> None:
    from voice_app.services.dispatch import run_dispatcher

    run_dispatcher(veille, stop_event)


class Clock:
    """One clock process: standby until it holds the lock, then the jobs and the dispatcher."""

    def __init__(self, veille: Veille, lock: LeaderLock, *, jobs: Sequence[Job] = JOBS,
                 dispatcher: Dispatcher | None = default_dispatcher, heartbeat_seconds: float = 1.0,
                 standby_poll_seconds: float = 1.0) -> None:
        self.veille = veille
        self.lock = lock
        self.jobs = tuple(jobs)
        self.dispatcher = dispatcher
        self.heartbeat_seconds = heartbeat_seconds
        self.standby_poll_seconds = standby_poll_seconds
        self.database = DatabaseWatch()

    def run(self, stop_event: threading.Event) -> None:
        """Serve as standby or leader until `stop_event` is set; always release the lock."""
        log.info("clock.started pid=%s jobs=%s", os.getpid(), ",".join(job.name for job in self.jobs))
        in_standby = False
        try:
            while not stop_event.is_set():
                if not self._try_acquire():
                    if not in_standby:
                        log.info("clock.standby pid=%s", os.getpid())
                        in_standby = True
                    stop_event.wait(self.standby_poll_seconds)
                    continue
                in_standby = False
                if not self._suppression_key_checked():
                    self.lock.release()
                    stop_event.wait(self.standby_poll_seconds)
                    continue
                log.info("clock.leader pid=%s", os.getpid())
                self._lead(stop_event)
                self.lock.release()  # stopped or lost: either way, hold nothing while not leading
        finally:
            self.lock.release()
            log.info("clock.stopped pid=%s", os.getpid())

    def _try_acquire(self) -> bool:
        try:
            return self.lock.try_acquire()
        except DatabaseUnavailable as error:  # stay in standby, try again; said once
            self.database.failed(error)
            return False
        except Exception as error:
            log.warning("clock.lock_unavailable error=%s", type(error).__name__)
            return False

    def _suppression_key_checked(self) -> bool:
        """True when the opt-out list is readable with our key; False when the database
        cannot say now; SuppressionKeyMismatch (the clock must not run) otherwise."""
        from voice_app.services.suppression import verify_key

        try:
            with self.veille.session_factory() as session:
                verify_key(session)
        except DatabaseUnavailable as error:
            self.database.failed(error)
            return False
        self.database.answered()
        return True

    def _lead(self, stop_event: threading.Event) -> None:
        executor = ThreadPoolExecutor(max_workers=len(self.jobs) + 1)
        scheduler = self.build_scheduler(executor)
        scheduler.add_job(self._heartbeat, "interval", args=(scheduler, stop_event), id="heartbeat",
                          seconds=self.heartbeat_seconds, coalesce=True, max_instances=1,
                          misfire_grace_time=max(1, int(self.heartbeat_seconds)))
        dispatch_stop = threading.Event()
        dispatcher = self._start_dispatcher(dispatch_stop)
        try:
            scheduler.start()  # blocks until the heartbeat shuts the scheduler down
        finally:
            dispatch_stop.set()
            if dispatcher is not None:
                dispatcher.join(DISPATCHER_JOIN_SECONDS)
            executor.shutdown(wait=True)  # let running jobs finish before the lock is released

    def build_scheduler(self, executor: ThreadPoolExecutor | None = None) -> BlockingScheduler:
        """A scheduler with every job added (first runs at once), not started."""
        scheduler = BlockingScheduler(timezone=UTC, executors={"default": executor or ThreadPoolExecutor()})
        for job in self.jobs:
            every, grace = job_period(job, self.veille.time_scale)
            scheduler.add_job(self._guarded(job), "interval", id=job.name, name=job.name,
                              seconds=every, misfire_grace_time=grace,
                              coalesce=True, max_instances=1, next_run_time=datetime.now(UTC))
        return scheduler

    def _guarded(self, job: Job) -> Callable[[], None]:
        def run_once() -> None:
            started = time.monotonic()
            try:
                result = job.run(self.veille)
            except DatabaseUnavailable as error:
                self.database.failed(error)  # said once, not at every run of every job
                return
            except Exception as error:
                # The traceback goes through the message, where phone numbers are masked.
                log.error("clock.job_failed job=%s error=%s\n%s", job.name, type(error).__name__,
                          traceback.format_exc())
                return
            self.database.answered()
            log.info("clock.job_done job=%s seconds=%.2f result=%s", job.name, time.monotonic() - started,
                     _summary(result))

        run_once.__name__ = job.name
        return run_once

    def _heartbeat(self, scheduler: BlockingScheduler, stop_event: threading.Event) -> None:
        if stop_event.is_set():
            scheduler.shutdown(wait=False)
        elif not self.lock.still_held():
            log.error("clock.leadership_lost pid=%s", os.getpid())
            scheduler.shutdown(wait=False)

    def _start_dispatcher(self, dispatch_stop: threading.Event) -> threading.Thread | None:
        if self.dispatcher is None:
            return None
        thread = threading.Thread(target=self._run_dispatcher, args=(dispatch_stop,), name="dispatcher",
                                  daemon=True)
        thread.start()
        return thread

    def _run_dispatcher(self, dispatch_stop: threading.Event) -> None:
        try:
            self.dispatcher(self.veille, dispatch_stop)
        except Exception:
            log.error("clock.dispatcher_crashed\n%s", traceback.format_exc())


def job_period(job: Job, time_scale: float) -> tuple[float, int]:
    """The job's period and misfire grace in real seconds: on the demo's compressed clock a
    job runs as often in demo time as it would in real time, but never more than every
    MIN_COMPRESSED_PERIOD_SECONDS (real)."""
    if time_scale == 1:
        return job.every_seconds, job.misfire_grace_seconds
    every = max(MIN_COMPRESSED_PERIOD_SECONDS, job.every_seconds / time_scale)
    return every, max(1, min(job.misfire_grace_seconds, int(every * 0.8)))


def _summary(result: object) -> str:
    """A short rendering of what a service returned: numbers only, never personal data."""
    if isinstance(result, bool | int | float):
        return str(result)
    if isinstance(result, list | tuple):
        return f"{len(result)}"
    if dataclasses.is_dataclass(result):
        counts = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
        return ",".join(f"{name}={sum(value.values()) if isinstance(value, dict) else value}"
                        for name, value in counts.items() if isinstance(value, int | dict)) or "-"
    return "-"
