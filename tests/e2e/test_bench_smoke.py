"""The webhook benchmark's load generator, tiny, against the live test server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.webhooks import REQUESTS_PER_CALL
from bench.webhooks import drive
from bench.webhooks import seed_calls
from db.models import CallAttempt

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def test_the_load_generator_plays_whole_calls_that_end_ok(live):
    calls = seed_calls(live.veille, 3)
    figures = drive(live.url, calls, threads=2, max_seconds=20, auth_token=live.veille.settings.auth_token)
    assert (figures.calls, figures.errors) == (3, 0)
    assert len(figures.latencies) == 3 * REQUESTS_PER_CALL
    assert "req/s" in figures.line("sqlite") and "p99" in figures.line("sqlite")
    with live.veille.session_factory.begin() as session:
        attempts = session.scalars(select(CallAttempt)).all()
        assert {(a.state, a.outcome) for a in attempts} == {("ended", "ok")}


def test_a_benchmark_database_is_its_own_and_only_it_is_dropped(postgres_url):
    from bench.databases import fresh_postgres

    with fresh_postgres(postgres_url, "veille_bench_smoke") as url:
        created = make_url(url).database
        assert created.startswith("veille_bench_smoke_") and created != make_url(postgres_url).database
        assert database_exists(postgres_url, created)
    assert not database_exists(postgres_url, created)
    assert database_exists(postgres_url, make_url(postgres_url).database)  # the one it was given is kept


def database_exists(url: str, name: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) == 1
    finally:
        engine.dispose()


BENCH = Path(__file__).resolve().parents[2] / "bench"
HELPERS = ("databases.py", "processes.py", "__init__.py")  # modules the benchmarks import
SCRIPTS = sorted(path.name for path in BENCH.glob("*.py") if path.name not in HELPERS)
# They measure SQLite itself, in a temporary file: no server to name.
SQLITE_ONLY = ("sqlite_writers.py", "webhook_workers.py")


def test_the_benchmarks_are_all_checked_below():
    assert {"dispatch.py", "import_tenants.py", "plan_round.py", "webhooks.py"} <= set(SCRIPTS)


def help_of(script: str) -> str:
    shown = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True,
                           cwd=BENCH.parent, timeout=60)
    assert shown.returncode == 0, shown.stderr
    return " ".join(shown.stdout.split())


@pytest.mark.parametrize("script", [script for script in SCRIPTS if script not in SQLITE_ONLY])
def test_every_benchmark_takes_a_database_url_and_says_what_it_drops(script):
    help_text = help_of(script)
    assert "--database-url" in help_text and "VEILLE_BENCH_POSTGRES_URL" in help_text
    assert "never drops or empties a database it did not create" in help_text


@pytest.mark.parametrize("script", SQLITE_ONLY)
def test_a_sqlite_only_benchmark_says_it_writes_only_a_temporary_file(script):
    help_text = help_of(script)
    assert "--database-url" not in help_text
    assert "SQLite only: a file in a temporary folder, removed at the end" in help_text
