"""Test databases: a migrated SQLite template copied per test, and a PostgreSQL database
per xdist worker, migrated once and emptied between tests (real commits, real locks)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import migrate
from db.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "VEILLE_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


def _run_id() -> str:
    # Unique per pytest run (shared by its xdist workers), so concurrent runs never collide.
    return os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:10]


def postgres_url_for(worker: str) -> str:
    """Create and return a database of our own for this run and xdist worker."""
    name = f"veille_test_{_run_id()}_{worker}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    """Remove a test database at the end of its run."""
    name = make_url(url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def reset_postgres(url: str) -> None:
    """Drop everything and migrate from scratch (once per test session)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)


def empty_postgres(url: str) -> None:
    """Remove every row, keep the schema (fast enough to run before each test)."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def sqlite_template(directory: Path) -> Path:
    template = directory / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{template}")
    return template


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / "veille.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
