"""Alembic environment: the URL comes from the caller (db.migrate) or DATABASE_URL."""

from __future__ import annotations

from alembic import context

from db.engine import Role
from db.engine import make_engine
from db.models import Base
from voice_app.config import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().DATABASE_URL


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), Role.MIGRATE)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:  # a migration that refuses (0004's downgrade) must not leave a pool open
        engine.dispose()


def _run(connection) -> None:
    # render_as_batch lets later ALTERs work on SQLite (copy-and-move).
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
