"""The installed `veille` command as an operator runs it: `.env`, French errors, no traceback.

These run the real console script in a subprocess, in a folder of their own (SQLite only: what
is tested is the entry point, not the database)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from db import engine as db_engine
from db import migrate
from voice_app.web.cli import main

VEILLE = str(Path(sys.executable).with_name("veille"))
TENANTS = ("Référence;Nom;Année de naissance;Composition du foyer;Téléphone\n"
           "PH-1;Martin;1940;seul;06 12 34 56 78\n")
PRESERVED = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")


def veille(folder: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """Run `veille ARGS` in `folder` with a clean environment (only `env` and the basics)."""
    environment = {name: os.environ[name] for name in PRESERVED if name in os.environ} | env
    return subprocess.run([VEILLE, *args], cwd=folder, env=environment, capture_output=True, text=True,
                          timeout=timeout)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def test_every_command_reads_dot_env_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-env-file.sqlite3'}\n"
                                   "TELEPHONY_PROVIDER=simulator\n")
    upgraded = veille(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("Base de données à la révision ")
    assert (tmp_path / "from-env-file.sqlite3").exists()
    overridden = veille(tmp_path, "db", "current", DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert overridden.stdout == "Base de données vide : aucune migration appliquée (veille db upgrade).\n"


def test_a_provider_set_in_dot_env_stops_the_demo_seed(tmp_path):
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'demo.sqlite3'}\n"
                                   "TELEPHONY_PROVIDER=twilio\nTWILIO_ACCOUNT_SID=AC" + "0" * 32 + "\n"
                                   "TWILIO_AUTH_TOKEN=secret\nTWILIO_FROM_NUMBER=+33159000000\n")
    assert veille(tmp_path, "db", "upgrade").returncode == 0
    seeded = veille(tmp_path, "demo", "seed")
    assert seeded.returncode == 1
    assert "Erreur : Données de démonstration refusées" in seeded.stderr


def test_the_demo_clock_written_to_dot_env_is_read_by_every_command(tmp_path):
    environment = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                   "VEILLE_INSTANCE_DIR": str(tmp_path)}
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in environment.items()))
    written = subprocess.run([sys.executable, "-m", "voice_app.env_file", "--default", "DEMO_TIME_SCALE=120",
                              "the demo's clock"], cwd=tmp_path, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / ".env").read_text().endswith("\n# the demo's clock\nDEMO_TIME_SCALE=120\n")
    assert veille(tmp_path, "db", "upgrade").returncode == 0
    seeded = veille(tmp_path, "demo", "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "Horloge de démonstration : une minute réelle vaut 120 minutes" in seeded.stdout
    assert "il est 09:5" in seeded.stdout and "10:00 premiers appels dans " in seeded.stdout
    assert (tmp_path / "demo-clock.json").exists()
    again = veille(tmp_path, "demo", "seed")  # another terminal: the same clock, later
    assert "déjà en place" in again.stdout and "Horloge de démonstration" in again.stdout
    refused = veille(tmp_path, "demo", "status", TELEPHONY_PROVIDER="twilio", TWILIO_AUTH_TOKEN="secret")
    assert refused.returncode != 0 and "Retirez DEMO_TIME_SCALE de .env" in refused.stderr


def test_the_demo_clock_is_written_once_and_never_over_a_chosen_value(tmp_path, monkeypatch):
    from voice_app.env_file import write_default

    monkeypatch.chdir(tmp_path)
    assert write_default("DEMO_TIME_SCALE", "120", "comment", str(tmp_path))  # no .env: created
    assert not write_default("DEMO_TIME_SCALE", "60", "comment", str(tmp_path))
    (tmp_path / ".env").write_text("DEMO_TIME_SCALE=\nPORT=5001\n")  # copied from .env.example
    assert write_default("DEMO_TIME_SCALE", "120", "comment", str(tmp_path))
    assert (tmp_path / ".env").read_text() == "DEMO_TIME_SCALE=120\nPORT=5001\n"


def test_help_is_french_and_hides_flask_developer_commands(tmp_path):
    shown = veille(tmp_path, "--help")
    assert shown.returncode == 0
    assert shown.stdout.startswith("Utilisation : veille [OPTIONS] COMMANDE [ARGUMENTS]...")
    commands = shown.stdout.split("Commandes:")[1].split()
    assert {"tenants", "campaigns", "rounds", "demo", "db"} <= set(commands)
    assert not {"run", "shell", "routes"} & set(commands)
    assert "Show this message" not in shown.stdout and "Usage" not in shown.stdout
    tenants_help = veille(tmp_path, "tenants", "import", "--help").stdout
    assert "Importer les locataires du fichier CSV FICHIER" in tenants_help
    opt_out = veille(tmp_path, "tenants", "opt-out", "--help")  # documented in the README
    assert opt_out.returncode == 0 and "confirm" in opt_out.stdout and "dismiss" in opt_out.stdout


@pytest.mark.parametrize(("target", "message"), [
    ("absent.csv", "Erreur : Valeur refusée pour 'FICHIER' : « absent.csv » introuvable."),
    (".", "Erreur : Valeur refusée pour 'FICHIER' : « . » est un dossier, pas un fichier."),
])
def test_a_missing_file_or_a_directory_is_a_french_usage_error(tmp_path, target, message):
    result = veille(tmp_path, "tenants", "import", target)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Utilisation : veille tenants import [OPTIONS] FICHIER" in result.stderr
    assert "Error" not in result.stderr and "Usage" not in result.stderr


def test_an_unreachable_database_is_said_in_french_within_ten_seconds(tmp_path):
    url = f"postgresql+psycopg://veille:motdepasse@127.0.0.1:{closed_port()}/veille"
    started = time.monotonic()
    result = veille(tmp_path, "tenants", "list", DATABASE_URL=url, timeout=30)
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : base de données injoignable (postgresql+psycopg://veille:***@")
    assert "motdepasse" not in result.stderr and "Traceback" not in result.stderr


def test_an_audit_export_that_cannot_reach_the_database_leaves_the_file_as_it_was(tmp_path):
    kept = tmp_path / "audit.csv"
    kept.write_text("l'export de la veille\n")
    url = f"postgresql+psycopg://veille@127.0.0.1:{closed_port()}/veille"
    result = veille(tmp_path, "audit", "export", "--since", "2026-01-01", "--output", str(kept),
                    DATABASE_URL=url, timeout=30)
    assert result.returncode == 1 and "injoignable" in result.stderr
    assert kept.read_text() == "l'export de la veille\n"


@pytest.mark.parametrize("day", ["0001-01-01", "31/12/9999"])
def test_a_date_at_the_calendars_edge_is_refused_in_french(tmp_path, day):
    database = f"sqlite:///{tmp_path / 'v.db'}"
    result = veille(tmp_path, "audit", "export", "--since", day, DATABASE_URL=database)
    assert result.returncode == 2 and "date hors bornes" in result.stderr and "Traceback" not in result.stderr


def test_a_full_disk_while_writing_an_export_is_a_french_sentence(tmp_path):
    # /dev/full (Linux, the platform Veille runs on) answers every write with "no space left"
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'v.sqlite3'}"}
    assert veille(tmp_path, "db", "upgrade", **database).returncode == 0
    result = veille(tmp_path, "audit", "export", "--since", "2026-01-01", "--output", "/dev/full", **database)
    assert result.returncode == 1 and "(disque plein)" in result.stderr and "Traceback" not in result.stderr


def test_a_database_veille_does_not_support_is_named_in_french(tmp_path):
    result = veille(tmp_path, "tenants", "list", DATABASE_URL="mysql://veille@127.0.0.1/veille")
    assert result.returncode == 1 and "ne prend pas en charge" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_never_migrated_says_to_run_the_upgrade(tmp_path):
    result = veille(tmp_path, "tenants", "list", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert result.returncode == 1
    assert "n'est pas à jour : lancez « veille db upgrade »" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_production_configuration_is_one_sentence(tmp_path):
    result = veille(tmp_path, "tenants", "list", VEILLE_ENV="production",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : configuration refusée, rien n'a été fait : ")
    assert "Traceback" not in result.stderr


def test_the_log_stays_out_of_the_report_unless_asked(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'veille.sqlite3'}"}
    assert veille(tmp_path, "db", "upgrade", **env).returncode == 0
    assert veille(tmp_path, "organisations", "create", "Habitat Test", **env).returncode == 0
    (tmp_path / "locataires.csv").write_text(TENANTS, encoding="utf-8")
    quiet = veille(tmp_path, "tenants", "import", "locataires.csv", **env)
    assert quiet.returncode == 0, quiet.stderr
    assert "Locataires créés : 1" in quiet.stdout
    assert "tenants.imported" not in quiet.stdout + quiet.stderr
    verbose = veille(tmp_path, "--journal", "tenants", "import", "locataires.csv", **env)
    assert "tenants.imported" in verbose.stderr and "tenants.imported" not in verbose.stdout


def test_a_locked_sqlite_file_is_a_french_sentence(tmp_path, monkeypatch):
    path = tmp_path / "veille.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    (tmp_path / "locataires.csv").write_text(TENANTS, encoding="utf-8")
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 200, raising=False)  # a short wait
    monkeypatch.chdir(tmp_path)  # `veille` reads .env from the current folder: none here
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, for longer than the busy timeout
    try:
        result = CliRunner().invoke(main, ["tenants", "import", str(tmp_path / "locataires.csv")],
                                    env={"DATABASE_URL": f"sqlite:///{path}"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "Erreur : la base SQLite" in result.output
    assert "est verrouillée par un autre processus" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, no traceback


@pytest.fixture
def environment_restored():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_web_and_clock_processes_read_dot_env_too(tmp_path, monkeypatch, environment_restored, capsys):
    from scheduler.__main__ import main as clock_main
    from voice_app.web import create_app

    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    (tmp_path / ".env").write_text(f"DATABASE_URL={url}\n")
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "VEILLE_ENV", "TELEPHONY_PROVIDER"):
        os.environ.pop(name, None)
    app = create_app()
    assert app.extensions["veille"].settings.DATABASE_URL == url
    app.extensions["veille"].close()
    (tmp_path / ".env").write_text("VEILLE_ENV=production\n")
    os.environ.pop("DATABASE_URL")
    assert clock_main() == 2  # refused at once: the production setting came from .env
    assert capsys.readouterr().err.startswith("Horloge de Veille arrêtée : Démarrage refusé en production")


def test_an_unknown_revision_is_a_french_sentence(tmp_path):
    result = veille(tmp_path, "db", "downgrade", "nope", DATABASE_URL=f"sqlite:///{tmp_path / 'v.sqlite3'}")
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : révision inconnue « nope »")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "said"), [
    (("db", "downgrade", "nope"), "Erreur : révision inconnue « nope »"),
    (("db", "downgrade", "9999"), "Erreur : révision inconnue « 9999 »"),
    (("db", "upgrade", ""), "Erreur : révision vide"),
    (("rounds", "list", "--limit", "99999999999999999999999"), "Erreur : Valeur refusée"),
    (("api-tokens", "revoke", "99999999999999999999999"), "Erreur : Valeur refusée"),
])
def test_bad_values_on_a_migrated_database_are_french_sentences(tmp_path, args, said):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'v.sqlite3'}"}
    assert veille(tmp_path, "db", "upgrade", **database).returncode == 0
    result = veille(tmp_path, *args, **database)
    assert result.returncode in (1, 2) and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_path_that_cannot_be_made_is_a_french_sentence(tmp_path):
    (tmp_path / "fichier").write_text("pas un dossier")
    impossible = tmp_path / "fichier" / "sous" / "v.sqlite3"
    result = veille(tmp_path, "tenants", "list", DATABASE_URL=f"sqlite:///{impossible}")
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : « ") and "inaccessible (" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_postgresql_url_without_the_driver_says_which_extra_to_install(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on an install without the [postgresql] extra
    result = CliRunner().invoke(main, ["tenants", "list"],
                                env={"DATABASE_URL": "postgresql+psycopg://h/veille"})
    assert result.exit_code == 1
    assert "Erreur : le pilote PostgreSQL n'est pas installé : installez Veille avec pip" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, no traceback
