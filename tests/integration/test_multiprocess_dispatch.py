"""Proofs with several real processes: each attempt placed exactly once, even when a
dispatcher is killed mid-run, and exactly one clock working at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import CallAttempt
from tests.multiprocess_helpers import recorded_tokens
from tests.multiprocess_helpers import seed_due_attempts
from voice_app.services.sweep import CLAIM_DEADLINE
from voice_app.services.sweep import sweep_stuck_attempts

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 10_000
DISPATCHERS = 4


def start_dispatchers(url: str, directory: Path) -> list[subprocess.Popen]:
    return [
        subprocess.Popen([sys.executable, "-m", "tests.multiprocess_helpers", url,
                          str(directory / f"worker{n}.calls"), f"worker-{n}"],
                         cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(DISPATCHERS)
    ]


def finish(process: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode in (0, -signal.SIGKILL), err
    return process.returncode, out


def states(veille) -> dict[str, str]:
    """token -> (state, outcome) of every attempt."""
    with veille.session_factory() as session:
        rows = session.execute(select(CallAttempt.token, CallAttempt.state, CallAttempt.outcome))
        return {token: (state, outcome) for token, state, outcome in rows}


def test_four_dispatcher_processes_place_every_attempt_exactly_once(postgres, postgres_url, tmp_path):
    seed_due_attempts(postgres.session_factory, ATTEMPTS, now=postgres.clock())
    placed_by = [int(finish(p)[1]) for p in start_dispatchers(postgres_url, tmp_path)]
    tokens = recorded_tokens(tmp_path)
    assert len(tokens) == len(set(tokens)) == ATTEMPTS
    assert sum(placed_by) == ATTEMPTS
    assert sum(1 for placed in placed_by if placed > 0) >= 2, "the work was not shared"
    attempts = states(postgres)
    assert set(tokens) == set(attempts)
    assert {state for state, _ in attempts.values()} == {"queued"}


def test_a_dispatcher_killed_mid_run_places_nothing_twice_and_the_sweep_leaves_nothing_behind(
        postgres, postgres_url, tmp_path):
    seed_due_attempts(postgres.session_factory, ATTEMPTS, now=postgres.clock())
    processes = start_dispatchers(postgres_url, tmp_path)
    victim = processes[0]
    deadline = time.monotonic() + 30
    while len(recorded_tokens(tmp_path)) < ATTEMPTS // 5:
        assert time.monotonic() < deadline, "the dispatchers did not start"
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    assert finish(victim)[0] == -signal.SIGKILL
    for process in processes[1:]:
        finish(process)

    sweep_stuck_attempts(postgres, postgres.clock() + CLAIM_DEADLINE + timedelta(minutes=1))

    tokens = recorded_tokens(tmp_path)
    assert len(tokens) == len(set(tokens)), "an attempt was placed twice"
    placed = set(tokens)
    attempts = states(postgres)
    assert {state for state, _ in attempts.values()} <= {"queued", "ended"}
    queued = {token for token, (state, _) in attempts.items() if state == "queued"}
    unknown = {token for token, status in attempts.items() if status == ("ended", "unknown")}
    assert queued | unknown == set(attempts), "an attempt was left behind"
    assert queued <= placed, "an attempt marked placed was never placed"
    assert placed <= queued | unknown
    assert len(placed) >= ATTEMPTS - 200  # at most the killed process's one claim batch is unknown


def start_clock(database_url: str, log_path: Path) -> subprocess.Popen:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url,
           "VEILLE_TEST_PROVIDER": "tests.fakes:FakeTelephony", "LOG_LEVEL": "INFO",
           "VEILLE_INSTANCE_DIR": str(log_path.parent),
           "DEMO_TIME_SCALE": "0"}  # real time, whatever the developer's .env says (scripts/run writes it)
    with log_path.open("w") as log_file:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log_file)


def logged(log_path: Path, event: str) -> bool:
    return f" {event} " in log_path.read_text()


def wait_for(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def test_two_clocks_one_leads_one_waits_and_the_standby_takes_over_when_the_leader_dies(
        database_url, tmp_path):
    logs = [tmp_path / "clock-a.log", tmp_path / "clock-b.log"]
    clocks = [start_clock(database_url, path) for path in logs]
    try:
        wait_for(lambda: all(logged(p, "clock.leader") or logged(p, "clock.standby") for p in logs), 30)
        time.sleep(1.5)  # a standby keeps polling: it must stay a standby
        leaders = [n for n, path in enumerate(logs) if logged(path, "clock.leader")]
        assert len(leaders) == 1
        leader, standby = leaders[0], 1 - leaders[0]
        assert logged(logs[standby], "clock.standby")

        clocks[leader].send_signal(signal.SIGKILL)
        clocks[leader].wait(10)
        takeover = wait_for(lambda: logged(logs[standby], "clock.leader"), 10)
        assert takeover < 5

        clocks[standby].send_signal(signal.SIGTERM)
        assert clocks[standby].wait(15) == 0
        assert logged(logs[standby], "clock.stopped")
    finally:
        for clock in clocks:
            if clock.poll() is None:
                clock.kill()
                clock.wait(10)
