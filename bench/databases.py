"""The benchmarks' databases: each benchmark gets its own PostgreSQL database, made afresh."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import migrate

ADMIN_URL = os.environ.get("VEILLE_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def fresh_postgres(name: str) -> str:
    """Drop, create and migrate database `name`, next to the admin database."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def fresh_sqlite(directory: str | Path) -> str:
    """A migrated SQLite file in `directory` (a temporary folder)."""
    url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    migrate.upgrade(url)
    return url
