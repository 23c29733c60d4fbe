"""The clock: jobs defined in code, run only while leading, each failure contained."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from scheduler import jobs
from scheduler.clock import Clock
from scheduler.jobs import JOBS
from scheduler.jobs import Job

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SwitchableLock:
    """A leader lock the test grants and takes away."""

    def __init__(self, free: bool = True) -> None:
        self.free = free
        self.held = False
        self.releases = 0

    def try_acquire(self) -> bool:
        if self.free:
            self.held = True
        return self.held

    def still_held(self) -> bool:
        return self.held and self.free

    def release(self) -> None:
        self.held = False
        self.releases += 1


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Recorder:
    def __init__(self) -> None:
        self.runs: list[str] = []
        self.dispatcher_running = threading.Event()
        self.dispatcher_stopped = threading.Event()

    def job(self, name: str, fails: bool = False) -> Job:
        def run(veille):
            self.runs.append(name)
            if fails:
                raise RuntimeError("one bad campaign")
        return Job(name, run, every_seconds=0.05, misfire_grace_seconds=1)

    def dispatcher(self, veille, stop_event: threading.Event) -> None:
        self.dispatcher_stopped.clear()
        self.dispatcher_running.set()
        stop_event.wait()
        self.dispatcher_running.clear()
        self.dispatcher_stopped.set()


@pytest.fixture
def started_clock(veille):
    """Start a clock in a thread; stop it (and check it stops) at the end."""
    started = []

    def start(lock, recorder, jobs_):
        clock = Clock(veille, lock, jobs=jobs_, dispatcher=recorder.dispatcher, heartbeat_seconds=0.05,
                      standby_poll_seconds=0.05)
        stop = threading.Event()
        thread = threading.Thread(target=clock.run, args=(stop,), daemon=True)
        thread.start()
        started.append((stop, thread))
        return stop, thread

    yield start
    for stop, thread in started:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def test_the_default_jobs_have_explicit_misfire_coalescing_and_single_instance(veille):
    scheduler = Clock(veille, SwitchableLock()).build_scheduler()
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert set(scheduled) == {"plan_rounds", "schedule_retries", "sweep_stuck_calls", "close_rounds",
                              "notify_people", "count_calls_in_figures", "forget_sign_in_attempts",
                              "purge_expired_data"}
    for job in JOBS:
        assert scheduled[job.name].misfire_grace_time == job.misfire_grace_seconds
        assert scheduled[job.name].coalesce is True
        assert scheduled[job.name].max_instances == 1
        assert scheduled[job.name].trigger.interval.total_seconds() == job.every_seconds
    assert scheduled["notify_people"].trigger.interval.total_seconds() == 15  # urgent SMS go out quickly


def test_each_job_calls_its_service_with_the_clocks_time(veille, now, monkeypatch):
    calls = []
    for module, function in [("planning", "plan_due_rounds"), ("retries", "schedule_retries"),
                             ("rounds", "close_finished_rounds"), ("sweep", "sweep_stuck_attempts"),
                             ("notifications", "notify"), ("accounts", "forget_old_attempts"),
                             ("privacy_purge", "purge_expired_data")]:
        fake = types.ModuleType(f"voice_app.services.{module}")
        setattr(fake, function, lambda v, n, f=function: calls.append((f, v, n)))
        monkeypatch.setitem(sys.modules, f"voice_app.services.{module}", fake)
    for job in JOBS:
        job.run(veille)
    assert calls == [(f, veille, now) for f in ("plan_due_rounds", "schedule_retries", "sweep_stuck_attempts",
                                                  "close_finished_rounds", "notify", "forget_old_attempts",
                                                  "purge_expired_data")]


def test_the_sweep_job_runs_the_real_sweep(veille):
    assert jobs.sweep_stuck_calls(veille).ended_unknown == 0


def test_a_leader_runs_every_job_at_once_and_a_failing_job_does_not_stop_the_others(
        started_clock, caplog):
    caplog.set_level(logging.INFO, logger="veille.clock")
    recorder, lock = Recorder(), SwitchableLock()
    started_clock(lock, recorder, [recorder.job("bad", fails=True), recorder.job("good")])
    wait_until(lambda: recorder.runs.count("good") >= 3 and recorder.runs.count("bad") >= 3)
    assert recorder.dispatcher_running.is_set()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("clock.leader") for m in messages)
    assert any(m.startswith("clock.job_failed job=bad error=RuntimeError") for m in messages)


def test_a_standby_runs_nothing_until_the_lock_is_free(started_clock, caplog):
    caplog.set_level(logging.INFO, logger="veille.clock")
    recorder, lock = Recorder(), SwitchableLock(free=False)
    started_clock(lock, recorder, [recorder.job("plan")])
    wait_until(lambda: any(r.getMessage().startswith("clock.standby") for r in caplog.records))
    time.sleep(0.3)  # several standby polls and would-be job periods
    assert recorder.runs == [] and not recorder.dispatcher_running.is_set()
    lock.free = True
    wait_until(lambda: "plan" in recorder.runs)


def test_a_leader_that_loses_its_lock_stops_working_and_goes_back_to_standby(started_clock, caplog):
    caplog.set_level(logging.INFO, logger="veille.clock")
    recorder, lock = Recorder(), SwitchableLock()
    started_clock(lock, recorder, [recorder.job("plan")])
    wait_until(lambda: recorder.dispatcher_running.is_set() and "plan" in recorder.runs)
    lock.free = False
    wait_until(recorder.dispatcher_stopped.is_set)
    wait_until(lambda: any(r.getMessage().startswith("clock.standby") for r in caplog.records))
    runs = len(recorder.runs)
    time.sleep(0.3)
    assert len(recorder.runs) == runs
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("clock.leadership_lost") for m in messages)


def test_a_stop_ends_the_jobs_and_the_dispatcher_and_releases_the_lock(started_clock, caplog):
    caplog.set_level(logging.INFO, logger="veille.clock")
    recorder, lock = Recorder(), SwitchableLock()
    stop, thread = started_clock(lock, recorder, [recorder.job("plan")])
    wait_until(recorder.dispatcher_running.is_set)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    assert recorder.dispatcher_stopped.is_set()
    assert lock.releases >= 1 and not lock.held
    assert caplog.records[-1].getMessage().startswith("clock.stopped")


WEB_ONLY = """
import sys
from voice_app.web import create_app
create_app()
print(sorted(m for m in sys.modules if m.startswith(("apscheduler", "scheduler"))))
"""


def test_the_web_process_never_loads_a_scheduler(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'veille.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", WEB_ONLY], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
