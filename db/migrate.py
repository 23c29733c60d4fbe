"""Run Alembic migrations programmatically (used by `veille db ...` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations and `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head", *, suppression_key: str | None = None) -> None:
    """Migrate to `revision`; `suppression_key` (default: SUPPRESSION_KEY of the environment)
    is the key migration 0004 hashes the opt-out list with."""
    config = alembic_config(database_url)
    if suppression_key:
        config.attributes["suppression_key"] = suppression_key
    command.upgrade(config, revision)


KEYED_LIST_REVISION = "0004"


def downgrade(database_url: str, revision: str) -> None:
    config = alembic_config(database_url)
    _refuse_to_lose_the_opt_out_list(config, database_url, revision)
    command.downgrade(config, revision)


def _refuse_to_lose_the_opt_out_list(config: Config, database_url: str, revision: str) -> None:
    """Migration 0004's own refusal, checked before any step runs: on SQLite each step's DDL
    commits at once, so the later migrations would otherwise be undone before 0004 refused."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy import inspect
    from sqlalchemy import text

    from db.engine import make_engine

    at = current(database_url)
    if at is None:
        return
    try:
        undone = {script.revision for script in
                  ScriptDirectory.from_config(config).iterate_revisions(at, revision)}
    except CommandError:
        return  # a relative target: alembic checks it, and 0004 refuses in its turn
    if KEYED_LIST_REVISION not in undone:
        return
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            held = "phone_suppressions" in inspect(connection).get_table_names() and connection.scalar(
                text("SELECT count(*) FROM phone_suppressions"))
    finally:
        engine.dispose()
    if held:
        raise RuntimeError("Refusing to downgrade 0004: the opt-out list holds keyed hashes, which cannot "
                           "be turned back into plain digests; the numbers would no longer be recognised.")


def current(database_url: str) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    from alembic.runtime.migration import MigrationContext

    from db.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
