"""Enrolment: only enrolled tenants are ever called; who gets enrolled, on which basis."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy import update

from db.models import AuditEvent
from db.models import Enrolment
from db.models import Tenant
from voice_app.services.enrolment import EnrolmentError
from voice_app.services.enrolment import eligible_tenants
from voice_app.services.enrolment import enrol_eligible
from voice_app.services.enrolment import enrol_references
from voice_app.services.enrolment import unenrol_references
from voice_app.services.suppression import suppress
from voice_app.services.tenant_import import import_tenants

HEADER = ("Référence;Nom;Prénom;Année de naissance;Composition du foyer;Téléphone;"
          "Année de naissance du conjoint;Suivi manuel")
TENANTS = (
    "A-ALONE;Martin;Jeanne;1940;seule;0612345601;;non",  # alone_70_plus
    "B-COUPLE;Blanc;Henri;1945;couple;0612345602;1948;non",  # couple_both_75_plus
    "C-YOUNG;Roux;Odette;1980;seule;0612345603;;non",  # not eligible
    "D-MANUAL;Bonnet;Marcel;1985;autre;0612345604;;oui",  # manual
    "E-UNKNOWN;Girard;Yvette;1944;couple;0612345605;;non",  # partner's year unknown
    "F-SUPPRESSED;Petit;Louise;1930;seule;0612345606;;non",  # number on the suppression list
)
TODAY = date(2026, 11, 24)


@pytest.fixture
def tenants(veille, organisation, tmp_path):
    path = tmp_path / "locataires.csv"
    path.write_text("\n".join((HEADER, *TENANTS)) + "\n", encoding="utf-8")
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, ["+33612345606"])
    import_tenants(veille, path)


def enrolments(veille) -> dict[str, tuple]:
    with veille.session_factory() as session:
        rows = session.execute(select(Tenant.reference, Enrolment.status, Enrolment.legal_basis,
                                      Enrolment.source, Enrolment.enrolled_on, Enrolment.unenrolled_on)
                               .join(Enrolment, Enrolment.tenant_id == Tenant.id))
        return {reference: tuple(rest) for reference, *rest in rows}


def test_eligible_tenants_are_listed_with_the_rule_that_selects_them(veille, tenants):
    listing = eligible_tenants(veille, TODAY)
    assert {c.reference: c.rule for c in listing.eligible} == {
        "A-ALONE": "alone_70_plus", "B-COUPLE": "couple_both_75_plus", "D-MANUAL": "manual"}
    assert [(c.reference, c.undecided) for c in listing.undecided] == [
        ("E-UNKNOWN", ("couple_both_75_plus",))]
    assert (listing.enrolled, listing.unenrolled, listing.opted_out) == (0, 0, 1)


def test_eligibility_depends_on_the_reference_date(veille, tenants):
    earlier = {c.reference for c in eligible_tenants(veille, date(2008, 6, 1)).eligible}
    assert earlier == {"D-MANUAL"}  # Jeanne was 68, Henri 63


def test_bulk_enrolment_records_legal_basis_date_and_rule(veille, tenants):
    enrolled = enrol_eligible(veille, today=TODAY)
    assert sorted(c.reference for c in enrolled) == ["A-ALONE", "B-COUPLE", "D-MANUAL"]
    assert enrolments(veille) == {
        "A-ALONE": ("enrolled", "public_interest", "alone_70_plus", TODAY, None),
        "B-COUPLE": ("enrolled", "public_interest", "couple_both_75_plus", TODAY, None),
        "D-MANUAL": ("enrolled", "public_interest", "manual", TODAY, None),
    }
    assert eligible_tenants(veille, TODAY).eligible == []
    assert enrol_eligible(veille, today=TODAY) == []


def test_bulk_enrolment_defaults_to_the_paris_date_of_the_clock(veille, tenants, now):
    enrol_eligible(veille, legal_basis="consent")
    sources = ("alone_70_plus", "couple_both_75_plus", "manual")
    assert {row[1:4] for row in enrolments(veille).values()} == {
        ("consent", source, date(2026, 11, 24)) for source in sources}


def test_a_bulk_enrolment_dry_run_writes_nothing(veille, tenants):
    would = enrol_eligible(veille, today=TODAY, dry_run=True)
    assert len(would) == 3
    assert enrolments(veille) == {}


def test_opted_out_and_suppressed_tenants_are_never_enrolled_in_bulk(veille, tenants, now):
    with veille.session_factory.begin() as session:
        session.execute(update(Tenant).where(Tenant.reference == "A-ALONE").values(opted_out_at=now))
    enrol_eligible(veille, today=TODAY)
    assert set(enrolments(veille)) == {"B-COUPLE", "D-MANUAL"}


def test_an_unenrolled_tenant_is_not_re_enrolled_in_bulk_but_can_be_by_name(veille, tenants):
    enrol_eligible(veille, today=TODAY)
    result = unenrol_references(veille, ["A-ALONE"], today=date(2026, 12, 1))
    assert result.changed == ["A-ALONE"]
    assert enrolments(veille)["A-ALONE"] == ("unenrolled", "public_interest", "alone_70_plus", TODAY,
                                             date(2026, 12, 1))
    assert enrol_eligible(veille, today=date(2026, 12, 2)) == []
    assert eligible_tenants(veille, TODAY).unenrolled == 1
    again = enrol_references(veille, ["A-ALONE"], legal_basis="consent", today=date(2026, 12, 3))
    assert again.changed == ["A-ALONE"]
    assert enrolments(veille)["A-ALONE"] == ("enrolled", "consent", "manual", date(2026, 12, 3), None)


def test_enrolling_by_reference_reports_each_tenant(veille, tenants):
    enrol_references(veille, ["C-YOUNG"], today=TODAY)
    result = enrol_references(veille, ["C-YOUNG", "E-UNKNOWN", "F-SUPPRESSED", "Z-NOBODY", "E-UNKNOWN"],
                              today=TODAY)
    assert (result.changed, result.unchanged, result.refused, result.not_found) == (
        ["E-UNKNOWN"], ["C-YOUNG"], ["F-SUPPRESSED"], ["Z-NOBODY"])
    assert enrolments(veille)["C-YOUNG"] == ("enrolled", "public_interest", "manual", TODAY, None)
    assert "F-SUPPRESSED" not in enrolments(veille)


def test_unenrolling_someone_not_enrolled_changes_nothing(veille, tenants):
    result = unenrol_references(veille, ["A-ALONE", "Z-NOBODY"], today=TODAY)
    assert (result.changed, result.unchanged, result.not_found) == ([], ["A-ALONE"], ["Z-NOBODY"])
    assert enrolments(veille) == {}


def test_an_unknown_legal_basis_is_refused(veille, tenants):
    with pytest.raises(EnrolmentError, match="base légale inconnue « contract »"):
        enrol_eligible(veille, legal_basis="contract", today=TODAY)
    with pytest.raises(EnrolmentError):
        enrol_references(veille, ["A-ALONE"], legal_basis="contract", today=TODAY)
    assert enrolments(veille) == {}


def test_enrolment_changes_are_audited_with_counts_only(veille, tenants):
    enrol_eligible(veille, today=TODAY)
    unenrol_references(veille, ["A-ALONE"], today=TODAY)
    with veille.session_factory() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.details).where(
            AuditEvent.subject_type == "enrolment").order_by(AuditEvent.id)).all()
    assert [(action, details["count"]) for action, details in events] == [
        ("enrolment.enrolled", 3), ("enrolment.unenrolled", 1)]
