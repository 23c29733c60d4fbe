"""`veille tenants ...` and `veille enrolment ...` as a coordinator types them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import Enrolment
from db.models import Tenant
from voice_app.services.suppression import suppress

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tenants"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=[str(arg) for arg in args])


@pytest.fixture
def sample(tmp_path) -> Path:
    return Path(shutil.copy(FIXTURES / "paris_habitat.csv", tmp_path))


def count(veille, column) -> int:
    with veille.session_factory() as session:
        return session.scalar(select(func.count(column)))


def test_importing_a_file_prints_what_changed(cli, sample, veille):
    result = cli("tenants", "import", sample)
    assert result.exit_code == 0, result.output
    assert "Fichier « paris_habitat.csv » : 7 lignes de locataires (encodage utf-8, séparateur « ; »)." \
        in result.output
    assert "Locataires créés : 7, mis à jour : 0, inchangés : 0." in result.output
    assert count(veille, Tenant.id) == 7
    again = cli("tenants", "import", sample)
    assert "Locataires créés : 0, mis à jour : 0, inchangés : 7." in again.output


def test_a_file_with_errors_is_refused_with_each_line_and_a_non_zero_exit(cli, tmp_path, veille):
    result = cli("tenants", "import", shutil.copy(FIXTURES / "with_errors.csv", tmp_path))
    assert result.exit_code == 1
    assert "ligne 3, colonne « Téléphone » : numéro invalide « 06 12 »" in result.output
    assert "ligne 5, colonne « Composition du foyer » : composition du foyer inconnue « veuf »" \
        in result.output
    assert "Import refusé, rien n'a été enregistré" in result.output
    assert count(veille, Tenant.id) == 0


def test_skip_invalid_imports_the_rest_and_says_what_was_skipped(cli, tmp_path, veille):
    result = cli("tenants", "import", shutil.copy(FIXTURES / "with_errors.csv", tmp_path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "Lignes ignorées (--skip-invalid) : 8 (lignes 2, 3, 4, 5, 6, 7, 8, 9)." in result.output
    assert "Locataires créés : 1," in result.output
    assert count(veille, Tenant.id) == 1


def test_a_dry_run_reports_and_writes_nothing(cli, sample, veille):
    result = cli("tenants", "import", sample, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Simulation, locataires qui seraient créés : 7" in result.output
    assert "rien n'a été enregistré" in result.output
    assert count(veille, Tenant.id) == 0


def test_an_unreadable_file_is_refused_with_its_reason(cli, tmp_path, veille):
    path = tmp_path / "export.csv"
    path.write_bytes("Référence;Nom\nPH-1;Martin\n".encode("utf-16"))
    result = cli("tenants", "import", path)
    assert result.exit_code == 1
    assert "Import refusé, rien n'a été enregistré : encodage UTF-16 non pris en charge" in result.output
    assert count(veille, Tenant.id) == 0


def test_a_missing_file_is_a_usage_error(cli, tmp_path):
    result = cli("tenants", "import", tmp_path / "absent.csv")
    assert result.exit_code == 2
    assert "« " in result.output and "absent.csv » introuvable." in result.output


def test_a_large_file_shows_progress_and_a_small_one_does_not(cli, tmp_path, sample):
    lines = [f"PH-{n:05d};Martin;;1940;seul;06 12 {n // 10000 + 10} {n // 100 % 100:02d} {n % 100:02d}"
             for n in range(1500)]
    large = tmp_path / "grand.csv"
    large.write_text("Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone\n"
                     + "\n".join(lines) + "\n", encoding="utf-8")
    shown = cli("tenants", "import", large)
    assert shown.exit_code == 0, shown.output
    assert "Vérification" in shown.output and "Enregistrement" in shown.output
    assert "Fichier « grand.csv » : 1\u202f500 lignes de locataires" in shown.output  # French numbers
    assert "Locataires créés : 1\u202f500," in shown.output
    quiet = cli("tenants", "import", sample)
    assert "Vérification" not in quiet.output


def test_the_list_masks_phone_numbers_and_filters_by_site(cli, sample):
    cli("tenants", "import", sample)
    result = cli("tenants", "list")
    assert result.exit_code == 0, result.output
    assert "PH-000102\tMoreau André\t1951\tseul\tRésidence des Lilas\t+33 6 •• •• •• 02 / +33 1 •• •• •• 02" \
        "\tnon inscrit" in result.output
    assert "34 56" not in result.output and "612345602" not in result.output
    assert "7 locataire(s)." in result.output
    one_site = cli("tenants", "list", "--site", "Cité Verte")
    assert "3 locataire(s)." in one_site.output and "PH-000101" not in one_site.output


def test_the_list_shows_a_dash_for_an_opted_out_tenant_whose_numbers_are_erased(cli, sample, veille,
                                                                                 organisation):
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, ["+33612345602"])
    imported = cli("tenants", "import", sample)
    assert "Marqués opposés aux appels (numéro sur la liste d'opposition) : 1." in imported.output
    result = cli("tenants", "list")
    assert "PH-000102\tMoreau André\t1951\tseul\tRésidence des Lilas\t-\topposé aux appels" in result.output


def test_eligible_tenants_are_listed_with_their_rule_at_a_given_date(cli, sample):
    cli("tenants", "import", sample)
    result = cli("enrolment", "eligible", "--today", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert "Éligibles non inscrits : 6" in result.output
    assert "  Référence\tNom\tSite\tRègle\n" in result.output
    assert "PH-000103\tGarnier Paul et Lucie\tCité Verte\tcouple dont les deux ont 75 ans ou plus" \
        in result.output
    assert "PH-000104\tRoux Odette\tCité Verte\tcouple dont les deux ont 75 ans ou plus" \
        in result.output  # to check
    assert "couple_both_75_plus" not in result.output
    assert "l'année de naissance du locataire ou du conjoint manque : 1" in result.output
    earlier = cli("enrolment", "eligible", "--today", "2000-01-01")
    assert "Éligibles non inscrits : 1" in earlier.output  # only the manual flag


def test_enrolling_the_eligible_with_a_dry_run_then_for_real(cli, sample, veille):
    cli("tenants", "import", sample)
    dry = cli("enrolment", "enrol", "--eligible", "--dry-run")
    assert "6 locataires seraient inscrits (simulation, rien n'a été enregistré)" in dry.output
    assert count(veille, Enrolment.id) == 0
    real = cli("enrolment", "enrol", "--eligible", "--legal-basis", "consent")
    assert real.exit_code == 0, real.output
    assert "6 locataires inscrits ; base légale : consentement." in real.output
    with veille.session_factory() as session:
        assert set(session.scalars(select(Enrolment.legal_basis))) == {"consent"}
    assert "Déjà inscrits : 6" in cli("enrolment", "eligible").output


def test_enrolling_and_unenrolling_by_reference(cli, sample, veille):
    cli("tenants", "import", sample)
    result = cli("enrolment", "enrol", "PH-000104", "PH-999999")
    assert result.exit_code == 1
    assert "Inscrits (1) : PH-000104" in result.output and "Introuvables (1) : PH-999999" in result.output
    result = cli("enrolment", "unenrol", "PH-000104")
    assert result.exit_code == 0, result.output
    assert "Désinscrits (1) : PH-000104" in result.output
    with veille.session_factory() as session:
        assert session.scalar(select(Enrolment.status)) == "unenrolled"


@pytest.mark.parametrize("args", [("enrolment", "enrol"), ("enrolment", "enrol", "--eligible", "PH-1"),
                                  ("enrolment", "enrol", "PH-1", "--dry-run"),
                                  ("enrolment", "enrol", "--eligible", "--legal-basis", "contract")])
def test_enrol_needs_either_eligible_or_references(cli, args):
    assert cli(*args).exit_code == 2


def test_the_list_has_headers_and_never_hands_a_spreadsheet_a_formula(cli, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;Site\n"
                    "=HYPERLINK(\"x\");@SUM(A1);+Jo;1940;seul;06 12 34 56 78;-Les Lilas\n", encoding="utf-8")
    assert cli("tenants", "import", path).exit_code == 0
    lines = cli("tenants", "list").output.splitlines()
    assert lines[0] == "Référence\tNom\tAnnée de naissance\tFoyer\tSite\tTéléphones\tSuivi"
    assert lines[1].split("\t")[:5] == ["'=HYPERLINK(\"x\")", "'@SUM(A1) +Jo", "1940", "seul", "'-Les Lilas"]


def test_an_exact_repeated_line_is_imported_once_with_a_warning(cli, tmp_path, veille):
    path = tmp_path / "export.csv"
    line = "PH-1;Martin;1940;seul;06 12 34 56 78"
    path.write_text(f"Référence;Nom;Date de naissance;Composition du foyer;Téléphone\n{line}\n"
                    f"PH-2;Blanc;1941;seul;06 12 34 56 79\n{line}\n", encoding="utf-8")
    result = cli("tenants", "import", path)
    assert result.exit_code == 0, result.output
    assert "Attention : la ligne 4 répète exactement la ligne 2 ; le locataire n'est importé qu'une fois." \
        in result.output
    assert "Date de naissance réduite à l'année, prise comme année de naissance : 2 ligne(s) (lignes 2, 3)." \
        in result.output
    assert "Locataires créés : 2," in result.output
    assert count(veille, Tenant.id) == 2


def test_a_header_over_the_csv_field_limit_is_refused_in_french(cli, tmp_path, veille):
    path = tmp_path / "export.csv"
    path.write_text("Référence;" + "x" * 200_000 + "\nPH-1;Martin\n", encoding="utf-8")
    result = cli("tenants", "import", path)
    assert result.exit_code == 1
    assert "Import refusé, rien n'a été enregistré : ligne 1 illisible (une valeur de plus de 131" \
        in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, no traceback


def test_a_language_the_script_lacks_is_kept_and_noted_as_called_in_french(cli, tmp_path, veille):
    path = tmp_path / "langues.csv"
    path.write_text("Référence;Nom;Année de naissance;Composition du foyer;Téléphone;Langue\n"
                    "L-1;Silva;1941;seule;0612345601;portugais\n"
                    "L-2;Yilmaz;1939;seul;0612345602;tr\n"
                    "L-3;Kaya;1944;seule;0612345603;TR\n", encoding="utf-8")
    result = cli("tenants", "import", path)
    assert result.exit_code == 0, result.output
    note = "Langue « tr » absente du script des appels : 2 locataire(s) appelé(s) en français."
    assert note in result.output
    assert "portugais" not in result.output and "« pt »" not in result.output
    with veille.session_factory() as session:
        assert sorted(session.scalars(select(Tenant.language))) == ["pt", "tr", "tr"]
