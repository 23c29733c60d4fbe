"""Leader election: one holder at a time, handed over when the holder goes away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from scheduler.leader import FileLeaderLock
from scheduler.leader import PostgresLeaderLock
from scheduler.leader import leader_lock_for
from scheduler.leader import lock_file_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres_locks(postgres_url):
    locks = [PostgresLeaderLock(postgres_url), PostgresLeaderLock(postgres_url)]
    yield locks
    for lock in locks:
        lock.close()


def test_only_one_postgres_holder_at_a_time_and_release_hands_over(postgres_locks):
    first, second = postgres_locks
    assert first.try_acquire()
    assert first.try_acquire()  # re-entrant for its holder
    assert not second.try_acquire()
    assert first.still_held() and not second.still_held()
    first.release()
    assert not first.still_held()
    assert second.try_acquire()
    assert not first.try_acquire()


def test_a_leader_whose_connection_drops_knows_it_lost_the_lock(postgres_locks, postgres_url):
    first, second = postgres_locks
    assert first.try_acquire()
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        holder = connection.scalar(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
        assert holder is not None
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
    admin.dispose()
    assert not first.still_held()
    assert second.try_acquire()


def test_only_one_lock_file_holder_at_a_time_and_release_hands_over(tmp_path):
    first, second = FileLeaderLock(tmp_path / "clock.lock"), FileLeaderLock(tmp_path / "clock.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


HOLD_LOCK = """
import sys, time
from scheduler.leader import FileLeaderLock
lock = FileLeaderLock(sys.argv[1])
assert lock.try_acquire()
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.slow
def test_a_lock_file_held_by_a_killed_process_is_free_again(tmp_path):
    path = tmp_path / "veille.sqlite3.clock.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        standby = FileLeaderLock(path)
        assert not standby.try_acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 5
        while not standby.try_acquire():
            assert time.monotonic() < deadline, "the lock was not released when its holder died"
            time.sleep(0.05)
        standby.release()
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()


def test_the_lock_file_lives_next_to_the_sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'instance' / 'veille.sqlite3'}"
    assert lock_file_for(url) == tmp_path / "instance" / "veille.sqlite3.clock.lock"
    assert isinstance(leader_lock_for(url), FileLeaderLock)


def test_postgres_databases_use_the_advisory_lock(postgres_url):
    lock = leader_lock_for(postgres_url)
    assert isinstance(lock, PostgresLeaderLock)
    lock.close()
