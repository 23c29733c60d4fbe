"""The clock's jobs: each one calls one service with the current time, nothing more.

Services are imported when the job runs, so the clock starts even when a service it calls
is broken; that job fails (and is logged) on each run, the others keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voice_app.bootstrap import Veille


def plan_rounds(veille: Veille):
    from voice_app.services.planning import plan_due_rounds

    return plan_due_rounds(veille, veille.clock())


def schedule_retries(veille: Veille):
    from voice_app.services.retries import schedule_retries as schedule

    return schedule(veille, veille.clock())


def sweep_stuck_calls(veille: Veille):
    from voice_app.services.sweep import sweep_stuck_attempts

    return sweep_stuck_attempts(veille, veille.clock())


def close_rounds(veille: Veille):
    from voice_app.services.rounds import close_finished_rounds

    return close_finished_rounds(veille, veille.clock())


def notify_people(veille: Veille):
    from voice_app.services.notifications import notify

    return notify(veille, veille.clock())


def forget_sign_in_attempts(veille: Veille):
    from voice_app.services.accounts import forget_old_attempts

    return forget_old_attempts(veille, veille.clock())


def count_calls_in_figures(veille: Veille):
    from voice_app.services.figure_counts import fold_pending

    return fold_pending(veille)


def purge_expired_data(veille: Veille):
    from voice_app.services.privacy_purge import purge_expired_data as purge

    return purge(veille, veille.clock())


@dataclass(frozen=True)
class Job:
    """A periodic job: its name (the APScheduler job id), what it runs, and how often.

    `misfire_grace_seconds`: a run that starts later than this after its time (the machine
    was suspended, the previous run was long) is skipped; with coalescing, a backlog of
    missed runs becomes one run. Every job is idempotent, so running late is safe; running
    many times in a row is pointless.
    """

    name: str
    run: Callable[[Veille], object]
    every_seconds: float
    misfire_grace_seconds: int


JOBS = (
    Job("plan_rounds", plan_rounds, every_seconds=60, misfire_grace_seconds=50),
    Job("schedule_retries", schedule_retries, every_seconds=60, misfire_grace_seconds=50),
    Job("sweep_stuck_calls", sweep_stuck_calls, every_seconds=60, misfire_grace_seconds=50),
    Job("close_rounds", close_rounds, every_seconds=60, misfire_grace_seconds=50),
    Job("notify_people", notify_people, every_seconds=15, misfire_grace_seconds=12),
    Job("count_calls_in_figures", count_calls_in_figures, every_seconds=5, misfire_grace_seconds=4),
    Job("forget_sign_in_attempts", forget_sign_in_attempts, every_seconds=3600, misfire_grace_seconds=600),
    # Hourly, so that one run falls in the night's purge hour (the service skips the others).
    Job("purge_expired_data", purge_expired_data, every_seconds=3600, misfire_grace_seconds=600),
)
