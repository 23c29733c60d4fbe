"""A tenant's access export: every kind of data held on them, as JSON and as PDF, audited by
reference; an unknown reference exports nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import AuditEvent
from db.models import Base
from db.models import Tenant
from db.repositories.dependent_rows import tables_referring_to
from tests.pdf import pdf_text
from tests.privacy_data import seed_tenant
from voice_app.services.privacy import UnknownTenant
from voice_app.services.privacy_export import export_tenant
from voice_app.services.privacy_pdf import render

EVERY_KIND = {"tenants", "enrolments", "away_periods", "campaign_targets", "call_attempts", "call_events",
              "responses", "follow_ups", "bridged_calls", "notifications", "opt_out_requests", "audit_events",
              "phone_suppressions"}


@pytest.fixture
def seeded(veille, organisation, now):
    return seed_tenant(veille, organisation.id, reference="ZQ-4471", last_name="Quatrepattes",
                       first_name="Zébulonne", phone="+33612345678", phone2="+33145678901",
                       when=now - timedelta(days=3), note="Mme Quatrepattes attend sa livraison de repas.")


def test_the_json_holds_every_kind_of_data_on_the_tenant(veille, organisation, seeded):
    document = json.loads(export_tenant(veille, organisation.id, "ZQ-4471").as_json())
    data = document["donnees"]
    referring = {table.name for table, _ in tables_referring_to(Base.metadata, Tenant.__table__)}
    assert EVERY_KIND | referring <= set(data)  # a table added later that refers to tenants is there too
    assert all(data[kind]["lignes"] for kind in EVERY_KIND), [k for k in EVERY_KIND if not data[k]["lignes"]]
    tenant = data["tenants"]["lignes"][0]
    assert (tenant["last_name"], tenant["phone"], tenant["phone2"]) == ("Quatrepattes", "+33612345678",
                                                                         "+33145678901")
    assert len(data["call_attempts"]["lignes"]) == 2  # the round call and the inbound one from their number
    assert {r["meaning"] for r in data["responses"]["lignes"]} == {"need_help", "health"}
    notes = [f["note"] for f in data["follow_ups"]["lignes"]]
    assert "Mme Quatrepattes attend sa livraison de repas." in notes
    assert [a["action"] for a in data["audit_events"]["lignes"]] == ["tenant.viewed", "follow_up.viewed"]
    assert data["tenants"]["libelle"] == "fiche du locataire"
    assert "token" not in json.dumps(data["call_attempts"]["lignes"])


def test_the_export_is_audited_with_the_reference_only(veille, organisation, seeded):
    export_tenant(veille, organisation.id, "ZQ-4471")
    with veille.session_factory() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.tenant_exported")).one()
    assert line.details == {"reference": "ZQ-4471"} and line.subject_id == seeded.tenant_id


def test_the_pdf_shows_each_kind_of_data_in_french(veille, organisation, seeded):
    document = render(export_tenant(veille, organisation.id, "ZQ-4471"))
    assert document.startswith(b"%PDF-")
    text = pdf_text(document)
    for title in ("Fiche du locataire (1)", "Appels (2)", "R\xe9ponses donn\xe9es pendant les appels (2)",
                  "Suivis (3)", "Journal d'audit (2)", "Quatrepattes", "livraison de repas"):
        assert title in text, title


def test_an_unknown_reference_exports_nothing_and_says_so(veille, organisation, seeded):
    with pytest.raises(UnknownTenant, match="Aucun locataire de référence « ZQ-0000 »"):
        export_tenant(veille, organisation.id, "ZQ-0000")
    with veille.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action.startswith("privacy."))) == 0
