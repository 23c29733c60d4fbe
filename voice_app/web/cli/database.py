"""`veille db ...`: schema migrations."""

from __future__ import annotations

import functools

import click
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask.cli import AppGroup

from db import migrate
from voice_app.web.extensions import get_veille


@click.group("db", cls=AppGroup, help="Base de données : mise à jour du schéma (migrations).")
def database() -> None:
    """Database schema (Alembic migrations)."""


def _french_revision_errors(function):
    """Alembic's refusal of a revision, as a French sentence."""
    @functools.wraps(function)
    def wrapper(revision: str):
        if not revision.strip():
            raise click.ClickException("révision vide : « head » est la dernière, « base » le schéma vide.")
        try:
            return function(revision)
        except (CommandError, RevisionError) as error:  # RevisionError: `downgrade nope`
            if isinstance(error, RevisionError) or "Can't locate revision" in str(error):
                raise click.ClickException(
                    f"révision inconnue « {revision} » : « head » est la dernière, « base » le schéma vide, "
                    "et veille db current donne celle de la base.") from None
            raise click.ClickException(f"migration impossible : {error}") from None

    return wrapper


@database.command("upgrade", help="Mettre le schéma à jour jusqu'à REVISION (défaut : la dernière).")
@click.argument("revision", default="head", metavar="[REVISION]")
@_french_revision_errors
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrate.upgrade(get_veille().settings.DATABASE_URL, revision)
    _echo_revision()


@database.command("downgrade", help="Revenir à la révision REVISION (« base » supprime toutes les tables).")
@click.argument("revision")
@_french_revision_errors
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' removes every table)."""
    migrate.downgrade(get_veille().settings.DATABASE_URL, revision)
    _echo_revision()


@database.command("current", help="Afficher la révision du schéma de la base.")
def current() -> None:
    """Print the revision the database is at."""
    _echo_revision()


def _echo_revision() -> None:
    revision = migrate.current(get_veille().settings.DATABASE_URL)
    click.echo(f"Base de données à la révision {revision}." if revision
               else "Base de données vide : aucune migration appliquée (veille db upgrade).")
