"""What a `veille` command says, in one French sentence, when its environment is wrong.

An unreachable or locked database, a schema that was never migrated, a missing driver or a
refused configuration is not a bug: the operator gets what happened and what to do, with no
traceback, and a non-zero exit code. The database URL is shown without its password.
"""

from __future__ import annotations

import errno
import os

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError

from voice_app.config import ConfigError

ENVIRONMENT_ERRORS = (ConfigError, DBAPIError, ArgumentError, ModuleNotFoundError, OSError)
OS_REASONS = {errno.EACCES: "droits insuffisants", errno.EPERM: "opération non permise",
              errno.ENOENT: "introuvable", errno.EROFS: "disque en lecture seule",
              errno.ENOSPC: "disque plein", errno.EEXIST: "existe déjà, et n'est pas un dossier",
              errno.ENOTDIR: "un élément du chemin n'est pas un dossier", errno.EISDIR: "c'est un dossier"}


def shown_database_url() -> str:
    """DATABASE_URL as the operator may read it (password hidden), or the default's name."""
    raw = os.environ.get("DATABASE_URL")
    if not raw:
        return "la base SQLite par défaut (instance/veille.sqlite3)"
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return "une adresse illisible"


def french_error(error: BaseException) -> click.ClickException:
    """The French sentence for an environment error (see ENVIRONMENT_ERRORS)."""
    if isinstance(error, ConfigError):
        return click.ClickException(f"configuration refusée, rien n'a été fait : {error}")
    if isinstance(error, ModuleNotFoundError):
        return _missing_module(error)
    if isinstance(error, OSError) and error.filename:
        reason = OS_REASONS.get(error.errno, "erreur du système")
        return click.ClickException(f"« {error.filename} » inaccessible ({reason}) : vérifiez le chemin "
                                    "(DATABASE_URL, VEILLE_INSTANCE_DIR) et ses droits. Rien n'a été fait.")
    if isinstance(error, OSError) and error.errno in OS_REASONS:  # a full disk while writing, say
        return click.ClickException(f"écriture ou lecture impossible ({OS_REASONS[error.errno]}). "
                                    "Ce qui était écrit est incomplet.")
    if isinstance(error, OSError):
        raise error  # a network or system error without a path: not the operator's input
    if isinstance(error, ArgumentError):
        return click.ClickException(
            f"DATABASE_URL illisible : {shown_database_url()}. Exemple : "
            "postgresql+psycopg://utilisateur@hôte:5432/veille (voir .env.example).")
    return _database_error(error)


def _missing_module(error: ModuleNotFoundError) -> click.ClickException:
    if not _supported_database():
        return click.ClickException(
            f"DATABASE_URL désigne une base que Veille ne prend pas en charge ({shown_database_url()}) : "
            "SQLite (défaut) ou PostgreSQL, postgresql+psycopg://utilisateur@hôte:5432/veille.")
    if (error.name or "").startswith("psycopg"):
        return click.ClickException(
            "le pilote PostgreSQL n'est pas installé : installez Veille avec "
            "pip install -e '.[postgresql]' (ou scripts/setup postgresql), puis relancez.")
    raise error  # a missing module of our own is a bug, not the operator's environment


def _supported_database() -> bool:
    raw = os.environ.get("DATABASE_URL")
    try:
        return not raw or make_url(raw).get_backend_name() in ("sqlite", "postgresql")
    except ArgumentError:
        return True  # said as an unreadable URL elsewhere


def _database_error(error: DBAPIError) -> click.ClickException:
    detail = str(error.orig).strip().splitlines()[0] if error.orig is not None else ""
    where = shown_database_url()
    if "database is locked" in detail:
        return click.ClickException(
            f"la base SQLite ({where}) est verrouillée par un autre processus Veille qui écrit "
            "depuis trop longtemps : rien n'a été enregistré, réessayez dans un instant.")
    if "no such table" in detail or ("does not exist" in detail and isinstance(error, ProgrammingError)):
        return click.ClickException(
            f"la base ({where}) n'est pas à jour : lancez « veille db upgrade », puis relancez.")
    if isinstance(error, OperationalError) and "does not exist" in detail:
        return click.ClickException(
            f"la base de données ({where}) n'existe pas sur ce serveur : créez-la (createdb), "
            "puis lancez « veille db upgrade ».")
    if isinstance(error, OperationalError):
        return click.ClickException(
            f"base de données injoignable ({where}) : vérifiez DATABASE_URL (environnement ou .env) "
            "et que le serveur est démarré. Rien n'a été fait.")
    return click.ClickException(f"la base de données a refusé l'opération ({where}) : {detail}")
