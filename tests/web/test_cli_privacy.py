"""`veille privacy ...` as a data protection officer types them: French reports, a confirmation
before an erasure, clear errors that change nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Tenant
from tests.integration.test_privacy_erasure import every_row
from tests.privacy_data import seed_tenant


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, **kwargs: runner.invoke(args=[str(arg) for arg in args], **kwargs)


@pytest.fixture
def seeded(veille, organisation, now):
    seed_tenant(veille, organisation.id, reference="OLD-1", last_name="Ancienne", first_name="Jeanne",
                phone="+33611110001", phone2="+33145000001", when=now - timedelta(days=900),
                note="Vieille note")
    return seed_tenant(veille, organisation.id, reference="ZQ-4471", last_name="Quatrepattes",
                       first_name="Zébulonne", phone="+33612345678", phone2="+33145678901",
                       when=now - timedelta(days=3), note="Note récente")


def tenants(veille) -> list[str]:
    with veille.session_factory() as session:
        return sorted(session.scalars(select(Tenant.reference)))


def test_a_dry_run_prints_per_table_what_would_go_in_french_and_keeps_it(cli, veille, seeded):
    before = every_row(veille)
    result = cli("privacy", "purge", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Purge de « Habitat Test » (appels et suivis terminés 24 mois, réponses 12 mois" in result.output
    assert "appels " in result.output and "réponses données pendant les appels" in result.output
    assert "Essai à blanc : rien n'a été supprimé" in result.output
    assert every_row(veille) == before


def test_the_purge_prints_what_was_deleted(cli, veille, seeded):
    result = cli("privacy", "purge", "--organisation", "habitat-test")
    assert result.exit_code == 0, result.output
    assert "Purge faite" in result.output and "journal d'audit sont gardés" in result.output
    with veille.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CallAttempt)) == 2


def test_the_export_writes_json_or_pdf(cli, seeded, tmp_path):
    result = cli("privacy", "export", "--reference", "ZQ-4471", "--format", "json", "--output",
                 tmp_path / "a.json")
    assert result.exit_code == 0, result.output
    assert "Données de « ZQ-4471 » écrites" in result.output
    written = json.loads((tmp_path / "a.json").read_text())
    assert written["donnees"]["tenants"]["lignes"][0]["reference"] == "ZQ-4471"
    result = cli("privacy", "export", "--reference", "ZQ-4471", "--format", "pdf", "--output",
                 tmp_path / "a.pdf")
    assert result.exit_code == 0 and (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-")


def test_an_erasure_asks_for_the_reference_and_a_wrong_answer_changes_nothing(cli, veille, seeded):
    before = every_row(veille)
    result = cli("privacy", "erase", "--reference", "ZQ-4471", input="ZQ-4472\n")
    assert result.exit_code == 1
    assert "suivis" in result.output and "Effacement abandonné : rien n'a été modifié." in result.output
    assert every_row(veille) == before
    result = cli("privacy", "erase", "--reference", "ZQ-4471", input="ZQ-4471\n")
    assert result.exit_code == 0, result.output
    assert "Locataire « ZQ-4471 » effacé" in result.output and tenants(veille) == ["OLD-1"]


def test_an_erasure_with_yes_does_not_ask(cli, veille, seeded):
    result = cli("privacy", "erase", "--reference", "OLD-1", "--yes")
    assert result.exit_code == 0, result.output
    assert tenants(veille) == ["ZQ-4471"]


@pytest.mark.parametrize("command", [("erase", "--yes"), ("export", "--output", "x.json")])
def test_an_unknown_reference_is_a_clear_error_and_changes_nothing(cli, veille, seeded, command, tmp_path,
                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = every_row(veille)
    result = cli("privacy", command[0], "--reference", "NOPE-1", *command[1:])
    assert result.exit_code == 1
    assert "Aucun locataire de référence « NOPE-1 » chez « Habitat Test »." in result.output
    assert "Rien n’a été modifié." in result.output
    assert every_row(veille) == before and not (tmp_path / "x.json").exists()


def test_the_register_is_written_from_the_organisations_periods(cli):
    assert cli("privacy", "retention", "--calls", "36", "--notes", "6").exit_code == 0
    result = cli("privacy", "register")
    assert result.exit_code == 0, result.output
    assert "Registre des traitements de Veille pour « Habitat Test »" in result.output
    assert "36 mois après l’appel" in result.output and "6 mois après la fin du suivi" in result.output
    assert "Base légale" in result.output and "Qui les voit" in result.output


def test_a_bad_retention_period_is_refused_and_kept_as_it_was(cli):
    result = cli("privacy", "retention", "--answers", "30")
    assert result.exit_code == 1
    assert "ne peuvent pas être gardées plus longtemps que les appels" in result.output
    assert "réponses données pendant les appels (touches, mots reconnus) : 12 mois" in cli("privacy",
                                                                                           "retention").output
