"""`veille db ...`: schema migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from db import migrate
from voice_app.web.extensions import get_veille


@click.group("db", cls=AppGroup)  # commands run in the app context
def database() -> None:
    """Database schema (Alembic migrations)."""


@database.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrate.upgrade(get_veille().settings.DATABASE_URL, revision)
    click.echo(f"Database at revision {migrate.current(get_veille().settings.DATABASE_URL)}.")


@database.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' removes every table)."""
    migrate.downgrade(get_veille().settings.DATABASE_URL, revision)
    click.echo(f"Database at revision {migrate.current(get_veille().settings.DATABASE_URL)}.")


@database.command("current")
def current() -> None:
    """Print the revision the database is at."""
    click.echo(migrate.current(get_veille().settings.DATABASE_URL) or "none (not migrated)")
