"""Click's own messages are translated, and the catalogue keeps up with Click."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from voice_app.web.cli import french
from voice_app.web.cli import main
from voice_app.web.cli.output import number


@pytest.fixture(autouse=True)
def away_from_any_dot_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `veille` reads .env from the current folder: none here


def click_message_ids() -> set[tuple[str, ...]]:
    """Every string Click passes to `_()` or `ngettext()`."""
    found = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
                found.add(tuple(arg.value for arg in node.args if isinstance(arg, ast.Constant)))
    return found


def test_every_translated_message_is_still_one_click_prints():
    ids = click_message_ids()
    assert [message for message in french.MESSAGES if (message,) not in ids] == []
    assert [pair for pair in french.PLURALS if pair not in ids] == []


@pytest.mark.parametrize(("args", "expected"), [
    (["nope"], "Erreur : Commande inconnue : « nope »."),
    (["tenants", "import"], "Erreur : Argument manquant 'FICHIER'."),
    (["tenants", "list", "--bogus"], "Erreur : Option inconnue : « --bogus »."),
    (["rounds", "list", "--limit", "beaucoup"],
     "Erreur : Valeur refusée pour '--limit' : « beaucoup » n'est pas un nombre valide."),
    (["tenants", "list", "--site"], "Erreur : L'option « --site » attend une valeur."),
    (["enrolment", "enrol", "--legal-basis", "envie"],
     "Erreur : Valeur refusée pour '--legal-basis' : « envie » ne fait pas partie de : "
     "'public_interest', 'consent'."),
])
def test_usage_errors_are_french(args, expected):
    result = CliRunner().invoke(main, args, prog_name="veille")
    assert result.exit_code == 2
    assert expected in result.output
    assert "Error" not in result.output and "Usage" not in result.output


@pytest.mark.parametrize(("value", "options", "shown"), [
    (1 / 6, {}, "0,167"),
    (46.94, {"decimals": 1}, "46,9"),
    (13080, {}, "13\u202f080"),
    (1.0, {}, "1"),
    (120, {"decimals": 0}, "120"),
])
def test_numbers_are_written_the_french_way(value, options, shown):
    assert number(value, **options) == shown
