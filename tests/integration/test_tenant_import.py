"""Importing a landlord's tenant file into the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from db.models import AuditEvent
from db.models import CallAttempt
from db.models import Organisation
from db.models import PhoneSuppression
from db.models import Tenant
from voice_app.domain.tenant_file import TenantFileError
from voice_app.services import tenant_import
from voice_app.services.suppression import suppress
from voice_app.services.tenant_import import ImportConflict
from voice_app.services.tenant_import import import_tenants

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tenants"
HEADER = "Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;Téléphone 2;Site"
NEW_LINE = "PH-4;Neuf;;1950;seul;0612345604;;"
LINES = ("PH-1;Martin;Jeanne;1940;seule;06 12 34 56 01;;Les Lilas",
         "PH-2;Blanc;Henri;1937;seul;01 99 00 12 02;06 12 34 56 02;Les Lilas",
         "PH-3;Roux;Odette;1949;couple;+33 1 99 00 12 03;;Cité Verte")


def write_csv(directory: Path, *lines: str, header: str = HEADER, name: str = "locataires.csv",
              encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(("\n".join((header, *lines)) + "\n").encode(encoding))
    return path


def snapshot(veille) -> tuple:
    """Everything an import may touch."""
    with veille.session_factory() as session:
        tenants = sorted(tuple(getattr(t, c.key) for c in Tenant.__table__.columns)
                         for t in session.scalars(select(Tenant)))
        return (tenants, session.scalar(select(func.count(Organisation.id))),
                session.scalar(select(func.count(AuditEvent.id))))


def tenants_by_reference(veille) -> dict[str, Tenant]:
    with veille.session_factory() as session:
        return {t.reference: t for t in session.scalars(select(Tenant))}


def test_an_import_creates_the_tenants_of_the_organisation_with_normalised_values(veille, now, tmp_path):
    report = import_tenants(veille, shutil.copy(FIXTURES / "paris_habitat.csv", tmp_path))
    assert (report.created, report.updated, report.unchanged, report.errors) == (7, 0, 0, [])
    tenants = tenants_by_reference(veille)
    with veille.session_factory() as session:
        organisation = session.scalars(select(Organisation)).one()
    assert organisation.name == "Habitat Test"
    assert {t.organisation_id for t in tenants.values()} == {organisation.id}
    garnier = tenants["PH-000103"]
    assert (garnier.civility, garnier.last_name, garnier.first_name, garnier.birth_year,
            garnier.partner_birth_year, garnier.household, garnier.phone, garnier.language, garnier.site,
            garnier.caretaker, garnier.preferred_half_day, garnier.manual_flag, garnier.opted_out_at) == (
        "M. et Mme", "Garnier", "Paul et Lucie", 1944, 1946, "couple", "+33199001203", "fr", "Cité Verte",
        "Mme Martins", "pm", False, None)
    assert tenants["PH-000107"].phone == "+262262211207"
    assert tenants["PH-000102"].phone2 == "+33199001202"
    assert tenants["PH-000105"].manual_flag is True
    assert garnier.created_at == now


def test_importing_the_same_file_twice_changes_nothing(veille, tmp_path):
    path = write_csv(tmp_path, *LINES)
    import_tenants(veille, path)
    before = snapshot(veille)
    report = import_tenants(veille, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot(veille)[0] == before[0]


def test_a_reimport_updates_tenants_by_reference(veille, tmp_path):
    import_tenants(veille, write_csv(tmp_path, *LINES))
    ids = {ref: t.id for ref, t in tenants_by_reference(veille).items()}
    changed = LINES[0].replace("06 12 34 56 01", "07 81 23 45 01").replace("Les Lilas", "Les Tilleuls")
    report = import_tenants(veille, write_csv(tmp_path, changed, *LINES[1:], NEW_LINE))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    martin = tenants_by_reference(veille)["PH-1"]
    assert (martin.phone, martin.site, martin.id) == ("+33781234501", "Les Tilleuls", ids["PH-1"])
    tenants = tenants_by_reference(veille)
    assert {ref: t.id for ref, t in tenants.items() if ref != "PH-4"} == ids


def test_known_tenants_missing_from_a_file_are_left_as_they_are_and_counted(veille, tmp_path):
    import_tenants(veille, write_csv(tmp_path, *LINES))
    report = import_tenants(veille, write_csv(tmp_path, LINES[0]))
    assert (report.unchanged, report.absent) == (1, 2)
    assert len(tenants_by_reference(veille)) == 3


def test_columns_missing_from_a_file_keep_their_stored_values(veille, tmp_path):
    header = HEADER + ";Suivi manuel;Langue"
    import_tenants(veille, write_csv(tmp_path, LINES[0] + ";oui;anglais", header=header))
    report = import_tenants(veille, write_csv(tmp_path, LINES[0].replace("Jeanne", "Jeanne-Marie")))
    assert report.updated == 1
    tenant = tenants_by_reference(veille)["PH-1"]
    assert (tenant.first_name, tenant.manual_flag, tenant.language) == ("Jeanne-Marie", True, "en")


def test_a_suppressed_number_marks_the_tenant_opted_out_and_it_stays_so(veille, now, organisation, tmp_path):
    path = write_csv(tmp_path, *LINES)
    import_tenants(veille, path)
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, ["+33612345602"])  # PH-2's second number
    report = import_tenants(veille, path)
    assert (report.marked_opted_out, report.updated, report.unchanged) == (1, 1, 2)
    assert tenants_by_reference(veille)["PH-2"].opted_out_at == now
    again = import_tenants(veille, path)
    assert (again.marked_opted_out, again.unchanged) == (0, 3)
    assert tenants_by_reference(veille)["PH-2"].opted_out_at == now


def test_a_tenant_marked_opted_out_keeps_neither_number_nor_any_on_its_attempts(veille, now, organisation,
                                                                               tmp_path):
    path = write_csv(tmp_path, *LINES)
    import_tenants(veille, path)
    ph2 = tenants_by_reference(veille)["PH-2"]
    with veille.session_factory.begin() as session:
        session.add(CallAttempt(token="t" * 43, organisation_id=organisation.id, tenant_id=ph2.id,
                                state="ended", outcome="no_answer", to_number=ph2.phone, created_at=now))
        suppress(session, organisation.id, ["+33612345602"])  # PH-2's second number only
    import_tenants(veille, path)
    tenants = tenants_by_reference(veille)
    assert (tenants["PH-2"].phone, tenants["PH-2"].phone2) == (None, None)
    assert tenants["PH-1"].phone == "+33612345601", "other tenants keep their numbers"
    with veille.session_factory() as session:
        assert session.scalars(select(CallAttempt.to_number)).all() == [None]
        assert session.scalar(select(func.count(PhoneSuppression.id))) == 1, "an import only reads the list"


def test_a_new_tenant_whose_number_opted_out_earlier_is_imported_opted_out(veille, now, organisation,
                                                                           tmp_path):
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, ["+33199001203"])
    report = import_tenants(veille, write_csv(tmp_path, *LINES))
    assert (report.created, report.marked_opted_out) == (3, 1)
    tenants = tenants_by_reference(veille)
    assert (tenants["PH-3"].opted_out_at, tenants["PH-3"].phone, tenants["PH-3"].phone2) == (now, None, None)
    assert (tenants["PH-1"].opted_out_at, tenants["PH-1"].phone) == (None, "+33612345601")
    assert import_tenants(veille, write_csv(tmp_path, *LINES)).unchanged == 3


def test_an_opt_out_is_kept_and_no_number_stored_when_the_file_brings_a_new_number(veille, now, tmp_path):
    import_tenants(veille, write_csv(tmp_path, *LINES))
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).where(Tenant.reference == "PH-1").values(opted_out_at=now))
    path = write_csv(tmp_path, LINES[0].replace("06 12 34 56 01", "0781234501"))
    report = import_tenants(veille, path)
    assert report.updated == 1, "the number stored before the opt-out is erased"
    tenant = tenants_by_reference(veille)["PH-1"]
    assert (tenant.phone, tenant.phone2, tenant.opted_out_at) == (None, None, now)
    assert (import_tenants(veille, path).unchanged, tenants_by_reference(veille)["PH-1"].phone) == (1, None)


def test_a_file_with_invalid_lines_is_refused_whole(veille, tmp_path):
    import_tenants(veille, write_csv(tmp_path, *LINES))
    before = snapshot(veille)
    report = import_tenants(veille, shutil.copy(FIXTURES / "with_errors.csv", tmp_path))
    assert report.refused and not report.written
    assert len(report.errors) == 8
    assert snapshot(veille) == before


def test_skip_invalid_imports_the_valid_lines_and_reports_the_skipped_ones(veille, tmp_path):
    report = import_tenants(veille, shutil.copy(FIXTURES / "with_errors.csv", tmp_path), skip_invalid=True)
    assert not report.refused and report.written
    assert (report.created, report.skipped_lines) == (1, [2, 3, 4, 5, 6, 7, 8, 9])
    assert list(tenants_by_reference(veille)) == ["PH-000209"]


def test_a_dry_run_counts_what_would_change_and_writes_nothing(veille, tmp_path):
    empty = snapshot(veille)
    first = import_tenants(veille, write_csv(tmp_path, *LINES), dry_run=True)
    assert (first.created, first.written) == (3, False)
    assert snapshot(veille) == empty and empty[0] == []
    import_tenants(veille, write_csv(tmp_path, *LINES))
    before = snapshot(veille)
    changed = LINES[0].replace("Jeanne", "Jeannine")
    report = import_tenants(veille, write_csv(tmp_path, changed, *LINES[1:], NEW_LINE), dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    assert snapshot(veille) == before


def test_an_import_racing_another_one_saves_nothing(veille, tmp_path, monkeypatch):
    import_tenants(veille, write_csv(tmp_path, LINES[0]))
    before = snapshot(veille)
    # As if another import had created PH-1 after this one looked at the existing tenants.
    monkeypatch.setattr(tenant_import, "_existing_tenants", lambda session, organisation_id: {})
    with pytest.raises(ImportConflict, match="rien n'a été enregistré"):
        import_tenants(veille, write_csv(tmp_path, NEW_LINE, LINES[0]))
    assert snapshot(veille) == before


def test_progress_is_reported_while_checking_and_while_saving(veille, tmp_path):
    lines = [f"PH-{n:04d};Martin;;1940;seul;06 12 34 {n // 100:02d} {n % 100:02d};;" for n in range(1200)]
    seen = []
    import_tenants(veille, write_csv(tmp_path, *lines), progress=lambda *step: seen.append(step))
    assert [step for step in seen if step[0] == "Vérification"] == [
        ("Vérification", 500, 1201), ("Vérification", 1000, 1201), ("Vérification", 1201, 1201)]
    assert [step for step in seen if step[0] == "Enregistrement"] == [("Enregistrement", 1200, 1200)]


def big_file(directory: Path) -> Path:
    path = directory / "enorme.csv"
    line = ("PH-{:07d};Martin;Jeanne;1940;seule;06 12 34 56 78;01 99 00 12 34;" + "Résidence " * 12 + "\n")
    with path.open("w", encoding="utf-8") as stream:
        stream.write(HEADER + "\n")
        for index in range(50 * 1024 * 1024 // len(line.format(0).encode()) + 1):
            stream.write(line.format(index))
    return path


BAD_FILES = {
    "empty": (lambda d: write_csv(d, header=""), "fichier vide"),
    "utf-16": (lambda d: write_csv(d, *LINES, encoding="utf-16"), "UTF-16"),
    "binary": (lambda d: _write_bytes(d, bytes(range(256)) * 40), "UTF-16"),
    "spreadsheet": (lambda d: _write_bytes(d, b"PK\x03\x04" + bytes(range(256)) * 40), "classeur"),
    "missing column": (lambda d: write_csv(d, "PH-1;Martin;1940;seule", header="Référence;Nom;Année de "
                                           "naissance;Composition du foyer"), "« téléphone »"),
    "header only": (lambda d: write_csv(d), "aucun locataire"),
    "unknown household": (lambda d: write_csv(d, LINES[0].replace("seule", "veuve")),
                          "composition du foyer inconnue « veuve »"),
    "birth year in the future": (lambda d: write_csv(d, LINES[0].replace("1940", "2030")),
                                 "année de naissance dans le futur « 2030 »"),
    "birth year before 1900": (lambda d: write_csv(d, LINES[0].replace("1940", "1850")), "avant 1900"),
    "too many fields": (lambda d: write_csv(d, LINES[0] + ";Bâtiment B"), "trop de champs (9 au lieu de 8)"),
    "50 MB": (big_file, "fichier trop volumineux (50.0 Mo ; maximum 20 Mo)"),
}


def _write_bytes(directory: Path, data: bytes) -> Path:
    path = directory / "fichier.csv"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_gets_a_clear_message_and_changes_nothing(veille, tmp_path, case):
    import_tenants(veille, write_csv(tmp_path, *LINES, name="first.csv"))
    before = snapshot(veille)
    make, message = BAD_FILES[case]
    try:
        report = import_tenants(veille, make(tmp_path))
    except TenantFileError as error:
        said = str(error)
    else:
        assert report.refused
        said = " ".join(str(e) for e in report.errors)
    assert message in said
    assert snapshot(veille) == before


def test_an_import_is_recorded_in_the_audit_log_without_personal_data(veille, tmp_path):
    import_tenants(veille, write_csv(tmp_path, *LINES))
    with veille.session_factory() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.details["created"], event.details["file"]) == ("tenants.imported", 3,
                                                                              "locataires.csv")
    assert "Martin" not in str(event.details) and "0612" not in str(event.details)


def test_the_log_line_of_an_import_has_counts_and_no_personal_data(veille, tmp_path, caplog):
    caplog.set_level("INFO", logger="veille.tenants")
    import_tenants(veille, write_csv(tmp_path, *LINES))
    assert "tenants.imported created=3 updated=0 unchanged=0" in caplog.text
    assert "Martin" not in caplog.text and "12 34" not in caplog.text


def test_the_import_benchmark_runs_on_a_small_file(tmp_path):
    from bench.import_tenants import run
    from bench.import_tenants import write_file

    original = write_file(tmp_path / "a.csv", 60)
    changed = write_file(tmp_path / "b.csv", 60, site_suffix=" bis")
    results = run(f"sqlite:///{tmp_path / 'bench.sqlite3'}", original, changed, 60)
    labels = [label for label, _, _ in results]
    assert labels == ["first import", "re-import, unchanged", "re-import, all changed", "eligible listing",
                      "enrol all eligible"]
    assert [details.split(";")[0] for _, _, details in results[:3]] == ["created=60 updated=0 unchanged=0",
                                                                        "created=0 updated=0 unchanged=60",
                                                                        "created=0 updated=60 unchanged=0"]
    eligible, enrolled = (int(details.split("=")[1]) for _, _, details in results[3:])
    assert 0 < eligible == enrolled < 60
