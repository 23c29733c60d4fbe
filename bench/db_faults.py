"""Figures: how long each process takes to answer, or to stop, when the database cannot answer.

Faults: a closed port, a silent listener (accepts TCP, never answers), and the tables locked
by another session for longer than any budget (PostgreSQL and SQLite). For each:

- CLI: seconds until the first query raises DatabaseUnavailable (role `cli`);
- web: seconds until a signed webhook gets its safe TwiML (role `web`, Flask test client);
- clock: seconds from SIGTERM to the exit of `python -m scheduler` (sent 2 s after start).

    .venv/bin/python bench/db_faults.py [--database-url URL]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import bench_database  # noqa: E402
from bench.databases import parser_for  # noqa: E402
from db.engine import DatabaseUnavailable  # noqa: E402
from db.engine import Role  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.models import Base  # noqa: E402
from tests.faults import SilentListener  # noqa: E402
from tests.faults import closed_port  # noqa: E402
from tests.faults import held_lock  # noqa: E402
from tests.faults import postgres_url_at  # noqa: E402
from voice_app.bootstrap import bootstrap  # noqa: E402
from voice_app.config import Settings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-auth-token"
PUBLIC = "https://veille.example.org"


def cli_seconds(url: str) -> str:
    engine = make_engine(url, Role.CLI)
    started = time.monotonic()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM call_attempts"))
        return "answered"
    except DatabaseUnavailable as error:
        return f"{time.monotonic() - started:.2f} s ({error.reason})"
    finally:
        engine.dispose()


def web_seconds(url: str) -> str:
    from voice_app.web import create_app

    settings = Settings(DATABASE_URL=url, TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=PUBLIC)
    veille = bootstrap(settings, role=Role.WEB)
    client = create_app({"TESTING": True}, veille=veille).test_client()
    path = f"/voice/calls/{'a' * 43}/gather/menu?turn=1"
    form = {"CallSid": "CA" + "1" * 32, "Digits": "2"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)
    started = time.monotonic()
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    seconds = time.monotonic() - started
    veille.close()
    spoken = "rappellera" in response.get_data(as_text=True)
    return f"{seconds:.2f} s ({response.status_code}{', safe TwiML' if spoken else ''})"


def clock_seconds(url: str, directory: str) -> str:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": url, "VEILLE_INSTANCE_DIR": directory,
           "VEILLE_TEST_PROVIDER": "tests.fakes:FakeTelephony", "DEMO_TIME_SCALE": "0"}  # not .env's
    clock = subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    started = time.monotonic()
    clock.send_signal(signal.SIGTERM)
    try:
        code = clock.wait(30)
    except subprocess.TimeoutExpired:
        clock.kill()
        return "did not stop within 30 s"
    return f"{time.monotonic() - started:.2f} s (exit {code})"


def measure(name: str, url: str, directory: str) -> None:
    cells = (name, cli_seconds(url), web_seconds(url), clock_seconds(url, directory))
    print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    args = parser_for(__doc__).parse_args()
    print("| fault | CLI: DatabaseUnavailable after | web: webhook answered after "
          "| clock: stopped after SIGTERM |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        measure("PostgreSQL, closed port", postgres_url_at(closed_port()), directory)
        with SilentListener() as listener:
            measure("PostgreSQL, silent listener", postgres_url_at(listener.port), directory)
        with bench_database("postgresql", args.database_url, "veille_bench_faults") as postgres:
            with held_lock(postgres, tuple(Base.metadata.tables)):
                measure("PostgreSQL, every table locked", postgres, directory)
        with bench_database("sqlite", args.database_url, "veille_bench_faults") as sqlite:
            with held_lock(sqlite):
                measure("SQLite, database locked by a writer", sqlite, directory)


if __name__ == "__main__":
    main()
