"""The clock process against a database that cannot answer: it says so once (`db.unreachable`),
not at every tick, and SIGTERM stops it within 10 s whatever the database does.

Faults: a closed port, a silent listener (PostgreSQL), every table locked for longer than
the clock's budget (both backends). Durations are bounds (figures: bench/db_faults.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from db.models import Base
from tests.faults import SilentListener
from tests.faults import closed_port
from tests.faults import held_lock
from tests.faults import postgres_url_at
from tests.integration.test_clock_jobs import PROJECT_ROOT
from tests.integration.test_multiprocess_dispatch import start_clock
from tests.integration.test_multiprocess_dispatch import wait_for

STOP_BOUND_SECONDS = 10


def occurrences(log_path, event: str) -> int:
    return log_path.read_text().count(f" {event} ")


def stop_time(clock) -> tuple[float, int]:
    started = time.monotonic()
    clock.send_signal(signal.SIGTERM)
    code = clock.wait(STOP_BOUND_SECONDS + 5)
    return time.monotonic() - started, code


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["closed_port", "silent_listener"])
def test_a_clock_without_its_database_says_so_once_and_stops_on_time(tmp_path, kind):
    listener = SilentListener() if kind == "silent_listener" else None
    url = postgres_url_at(listener.port if listener else closed_port())
    log = tmp_path / "clock.log"
    clock = start_clock(url, log)
    try:
        wait_for(lambda: occurrences(log, "db.unreachable") == 1, 20)
        time.sleep(6)  # the standby tries again every second (every 5 s against silence)
        assert occurrences(log, "db.unreachable") == 1
        assert "Traceback" not in log.read_text()
        seconds, code = stop_time(clock)
    finally:
        if clock.poll() is None:
            clock.kill()
        if listener:
            listener.close()
    assert seconds < STOP_BOUND_SECONDS and code == 0


@pytest.mark.slow
def test_a_clock_stuck_behind_a_locked_table_stops_on_time(database_url, tmp_path):
    log = tmp_path / "clock.log"
    with held_lock(database_url, tuple(Base.metadata.tables)):
        clock = start_clock(database_url, log)
        try:
            wait_for(lambda: occurrences(log, "clock.started") == 1, 20)
            time.sleep(1)  # the clock is now waiting on the lock
            seconds, code = stop_time(clock)
        finally:
            if clock.poll() is None:
                clock.kill()
    assert seconds < STOP_BOUND_SECONDS and code == 0
    assert occurrences(log, "clock.stopping") == 1


def test_a_clock_with_a_real_provider_and_no_token_refuses_to_start_in_french(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": f"sqlite:///{tmp_path / 'v.sqlite3'}",
           "TELEPHONY_PROVIDER": "twilio", "VEILLE_INSTANCE_DIR": str(tmp_path),
           "DEMO_TIME_SCALE": "0"}  # whatever the developer's .env says (scripts/run writes it)
    done = subprocess.run([sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("Horloge de Veille arrêtée : Démarrage refusé")
    assert "TWILIO_AUTH_TOKEN" in done.stderr and "Traceback" not in done.stderr
