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


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


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
