"""The benchmarks' databases, safe on a shared server.

Every benchmark takes `--database-url` (default: the VEILLE_BENCH_POSTGRES_URL environment
variable, else the local `test` database): a PostgreSQL database the benchmark may connect to.
It never writes there: it creates a database of its own beside it, named after the benchmark
with a random suffix, and drops that one, and only that one, when it ends. SQLite runs use a
file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import migrate

URL_VARIABLE = "VEILLE_BENCH_POSTGRES_URL"
DEFAULT_URL = "postgresql+psycopg://127.0.0.1:5432/test"
SAFETY = (f"PostgreSQL: --database-url (default: ${URL_VARIABLE}, else {DEFAULT_URL}) names a database "
          "the benchmark connects to, never writes to: it creates its own database beside it "
          "(veille_bench_<name>_<random>), and drops only that one at the end, even on Ctrl-C. "
          "It never drops or empties a database it did not create in that run. SQLite: a file in a "
          "temporary folder.")


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    """`--database-url`, with the safety note in --help."""
    parser.add_argument("--database-url", default=os.environ.get(URL_VARIABLE) or DEFAULT_URL,
                        help=f"a PostgreSQL database on the server to measure on (default: ${URL_VARIABLE}, "
                             f"else {DEFAULT_URL}); only connected to, see below")
    parser.epilog = SAFETY


def parser_for(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser for a benchmark whose module docstring is `doc`, with --database-url."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    add_database_argument(parser)
    return parser


@contextmanager
def fresh_postgres(server_url: str, name: str) -> Iterator[str]:
    """A new, migrated database created for this run beside `server_url`'s; dropped on exit."""
    database = f"{name}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        url = make_url(server_url).set(database=database).render_as_string(hide_password=False)
        try:
            migrate.upgrade(url)
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def fresh_sqlite(directory: str | Path) -> str:
    """A migrated SQLite file in `directory` (a temporary folder)."""
    url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    migrate.upgrade(url)
    return url


@contextmanager
def bench_database(backend: str, server_url: str, name: str) -> Iterator[str]:
    """A migrated database for one run on `backend` (postgresql or sqlite), removed afterwards."""
    if backend == "postgresql":
        with fresh_postgres(server_url, name) as url:
            yield url
    elif backend == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield fresh_sqlite(directory)
    else:
        raise SystemExit(f"unknown backend {backend!r}: postgresql or sqlite")
