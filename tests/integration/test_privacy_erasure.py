"""Erasing a tenant: nothing about them is left in any table (every table is scanned, so a
table added later is checked by itself), only the keyed hash of their numbers remains, and a
re-import of the landlord's file neither enrols nor calls them again."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy import select

from db.models import AuditEvent
from db.models import Base
from db.models import PhoneSuppression
from db.models import Tenant
from tests.integration.test_tenant_import import HEADER
from tests.integration.test_tenant_import import write_csv
from tests.privacy_data import seed_tenant
from tests.privacy_data import traces_of
from voice_app.services.enrolment import eligible_tenants
from voice_app.services.enrolment import enrol_references
from voice_app.services.privacy import UnknownTenant
from voice_app.services.privacy_erasure import erase_tenant
from voice_app.services.privacy_erasure import preview_erasure
from voice_app.services.privacy_export import export_tenant
from voice_app.services.suppression import is_suppressed
from voice_app.services.tenant_import import import_tenants
from voice_app.services.trial_calls import CallTestRefused
from voice_app.services.trial_calls import start_test_call

PHONE, PHONE2 = "+33612345678", "+33145678901"


def seed_two(veille, organisation, now):
    """The tenant to erase, and a neighbour who must keep everything."""
    erased = seed_tenant(veille, organisation.id, reference="ZQ-4471", last_name="Quatrepattes",
                         first_name="Zébulonne", phone=PHONE, phone2=PHONE2, when=now - timedelta(days=3),
                         note="Mme Quatrepattes attend sa livraison de repas.")
    kept = seed_tenant(veille, organisation.id, reference="KP-0001", last_name="Vautrin",
                       first_name="Hortense",
                       phone="+33698001122", phone2="+33155667788", when=now - timedelta(days=3),
                       note="M. Vautrin va bien.")
    return erased, kept


def _all(session, table) -> list[tuple]:
    return [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))]


def every_row(veille) -> dict[str, list]:
    with veille.session_factory() as session:
        return {table.name: _all(session, table)
                for table in Base.metadata.sorted_tables}


def test_an_erased_tenant_leaves_no_trace_in_any_table_and_their_neighbour_keeps_everything(
        veille, organisation, now):
    erased, kept = seed_two(veille, organisation, now)
    assert len(traces_of(veille, erased)) > 20  # the scan sees the seeded data before
    kept_before = traces_of(veille, kept)
    report = erase_tenant(veille, organisation.id, "ZQ-4471")
    assert traces_of(veille, erased) == []
    assert sorted(traces_of(veille,
                            kept)) == sorted(t for t in kept_before if not t.startswith("pending_imports"))
    assert report.removal.deleted["call_attempts"] == 2 and report.removal.deleted["follow_ups"] == 3
    assert report.audit_lines_unlinked == 2 and report.numbers_suppressed == 2


def test_only_the_keyed_hash_of_their_numbers_remains_and_the_erasure_is_audited_by_reference(
        veille, organisation, now):
    seed_two(veille, organisation, now)
    erase_tenant(veille, organisation.id, "ZQ-4471")
    with veille.session_factory() as session:
        assert is_suppressed(session, organisation.id, PHONE) and is_suppressed(session, organisation.id,
                                                                                PHONE2)
        reasons = session.scalars(select(PhoneSuppression.reason)).all()
        line = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.tenant_erased")).one()
    assert reasons == ["erasure", "erasure"]
    assert line.subject_id is None and line.details["reference"] == "ZQ-4471"
    assert set(line.details) == {"reference", "deleted", "audit_unlinked"}


def test_the_preview_counts_what_the_erasure_then_deletes(veille, organisation, now):
    seed_two(veille, organisation, now)
    preview = preview_erasure(veille, organisation.id, "ZQ-4471")
    report = erase_tenant(veille, organisation.id, "ZQ-4471")
    assert {k: v for k, v in preview.items() if v} == report.removal.deleted


def test_an_unknown_reference_is_a_clear_error_and_changes_nothing(veille, organisation, now):
    seed_two(veille, organisation, now)
    before = every_row(veille)
    with pytest.raises(UnknownTenant, match="Aucun locataire de référence « ZQ-9999 ».*Rien n’a été modifié"):
        erase_tenant(veille, organisation.id, "ZQ-9999")
    with pytest.raises(UnknownTenant):
        preview_erasure(veille, organisation.id, "ZQ-9999")
    assert every_row(veille) == before


def test_a_reimport_after_erasure_neither_keeps_their_numbers_nor_enrols_nor_calls_them(
        veille, organisation, now, tmp_path):
    seed_two(veille, organisation, now)
    erase_tenant(veille, organisation.id, "ZQ-4471")
    line = "ZQ-4471;Quatrepattes;Zébulonne;1936;seule;06 12 34 56 78;01 45 67 89 01;Les Tilleuls"
    report = import_tenants(veille, write_csv(tmp_path, line, header=HEADER), organisation_id=organisation.id)
    assert (report.created, report.marked_opted_out) == (1, 1)
    with veille.session_factory() as session:
        back = session.scalars(select(Tenant).where(Tenant.reference == "ZQ-4471")).one()
    assert back.opted_out_at is not None and (back.phone, back.phone2) == (None, None)
    listing = eligible_tenants(veille, organisation_id=organisation.id)
    assert "ZQ-4471" not in [candidate.reference for candidate in listing.eligible]
    assert enrol_references(veille, ["ZQ-4471"], organisation_id=organisation.id).refused == ["ZQ-4471"]
    with pytest.raises(CallTestRefused, match="a demandé à ne plus être appelé"):
        start_test_call(veille, "ZQ-4471", force=True, organisation_id=organisation.id)


@pytest.fixture
def table_added_later(veille):
    """A table a later change might add, holding something about a tenant (created for the test)."""
    table = Table("tenant_visits", Base.metadata, Column("id", Integer, primary_key=True),
                  Column("tenant_id", ForeignKey("tenants.id"), nullable=False),
                  Column("remark", String(200)))
    table.create(veille.engine)
    yield table
    table.drop(veille.engine)
    Base.metadata.remove(table)


def test_a_table_added_later_is_exported_and_erased_without_touching_the_privacy_code(
        veille, organisation, now, table_added_later):
    erased, _ = seed_two(veille, organisation, now)
    with veille.session_factory.begin() as session:
        session.execute(insert(table_added_later).values(tenant_id=erased.tenant_id,
                                                         remark="Visite chez Mme Quatrepattes"))
    data = json.loads(export_tenant(veille, organisation.id, "ZQ-4471").as_json())["donnees"]
    assert data["tenant_visits"]["lignes"][0]["remark"] == "Visite chez Mme Quatrepattes"
    assert "tenant_visits.remark" in traces_of(veille, erased)
    erase_tenant(veille, organisation.id, "ZQ-4471")
    assert traces_of(veille, erased) == []
