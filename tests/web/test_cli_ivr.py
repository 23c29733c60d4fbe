"""`veille ivr languages|show`: what the call says, in each language, as a coordinator reads it."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from db.models import Tenant


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=[str(arg) for arg in args])


def test_show_prints_the_whole_portuguese_script(cli):
    result = cli("ivr", "show", "--language", "pt")
    assert result.exit_code == 0, result.output
    assert "Script en portugais (voix Polly.Ines, langue pt-PT)" in result.output
    assert "[menu]" in result.output and "  Se está tudo bem, carregue no 1, ou diga sim." in result.output
    assert "[request_question]" in result.output and "Pediu para não voltar a ser chamado." in result.output
    assert "[screening] (en français : toujours)" in result.output
    assert "Tapez 1 pour prendre l'appel." in result.output


def test_show_refuses_a_language_the_script_lacks(cli):
    result = cli("ivr", "show", "--language", "tr")
    assert result.exit_code == 1
    assert "langue « tr » absente du script" in result.output


def test_languages_counts_the_enrolled_tenants_each_one_serves(cli, veille, tenant):
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).where(Tenant.id == tenant.id).values(language="tr"))
    result = cli("ivr", "languages")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["code", "langue", "inscrits", "dans", "le", "script"]
    assert any(line.split()[:4] == ["fr", "français", "0", "oui"] for line in lines)
    assert any(line.split()[:3] == ["pt", "portugais", "0"] for line in lines)
    assert lines[-1].split()[:4] == ["tr", "tr", "1", "non"], "called in French"
