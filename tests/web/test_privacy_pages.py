"""A tenant's rights from their card: the data downloaded as a file (no personal data in the
URL), the erasure behind a confirmation page; coordinators and admins of the landlord only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import AuditEvent
from db.models import Tenant
from tests.integration.test_privacy_erasure import every_row
from tests.privacy_data import seed_tenant
from tests.privacy_data import traces_of


@pytest.fixture
def seeded(veille, people, now):
    return seed_tenant(veille, people.landlord_id, reference="ZQ-4471", last_name="Quatrepattes",
                       first_name="Zébulonne", phone="+33612345678", phone2="+33145678901",
                       when=now - timedelta(days=3), note="Mme Quatrepattes attend sa livraison de repas.")


def privacy_audit(veille) -> list[AuditEvent]:
    with veille.session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("privacy."))))


def test_the_card_offers_the_download_and_the_erasure_to_a_coordinator(browser, people, seeded):
    browser.sign_in(people.coordinator)
    page = browser.get(f"/locataires/{seeded.tenant_id}").get_data(as_text=True)
    assert "Télécharger ses données" in page and f"/locataires/{seeded.tenant_id}/effacement" in page


@pytest.mark.parametrize(("export_format", "mimetype"), [("json", "application/json"), ("pdf",
                                                                                        "application/pdf")])
def test_the_data_comes_as_a_download_and_the_url_carries_no_personal_data(browser, people, veille, seeded,
                                                                            export_format, mimetype):
    browser.sign_in(people.coordinator)
    browser.get(f"/locataires/{seeded.tenant_id}")
    response = browser.post(f"/locataires/{seeded.tenant_id}/donnees", {"format": export_format})
    assert response.status_code == 200 and response.mimetype == mimetype
    disposition = f'attachment; filename="donnees-locataire-2026-11-24.{export_format}"'
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Cache-Control"] == "no-store"
    if export_format == "json":
        tenant = json.loads(response.get_data())["donnees"]["tenants"]["lignes"][0]
        assert tenant["last_name"] == "Quatrepattes"
    [line] = privacy_audit(veille)
    assert (line.action, line.actor_id, line.details) == ("privacy.tenant_exported", people.coordinator.id,
                                                           {"reference": "ZQ-4471"})


def test_the_erasure_asks_for_the_reference_and_a_wrong_one_erases_nothing(browser, people, veille, seeded):
    browser.sign_in(people.admin)
    page = browser.get(f"/locataires/{seeded.tenant_id}/effacement").get_data(as_text=True)
    assert "Effacer le locataire ZQ-4471" in page and "réponses données pendant les appels" in page
    before = every_row(veille)
    refused = browser.post(f"/locataires/{seeded.tenant_id}/effacement", {"reference": "ZQ-447"})
    assert refused.status_code == 400 and "rien n’a été effacé" in refused.get_data(as_text=True)
    assert every_row(veille) == before


def test_the_confirmed_erasure_leaves_no_trace_and_is_audited(browser, people, veille, seeded):
    browser.sign_in(people.coordinator)
    browser.get(f"/locataires/{seeded.tenant_id}/effacement")
    done = browser.post(f"/locataires/{seeded.tenant_id}/effacement", {"reference": "ZQ-4471"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/locataires")
    assert "Locataire « ZQ-4471 » effacé" in browser.get("/locataires").get_data(as_text=True)
    assert traces_of(veille, seeded) == []
    [line] = privacy_audit(veille)
    assert (line.action, line.actor_id, line.subject_id) == ("privacy.tenant_erased",
                                                             people.coordinator.id, None)
    assert browser.get(f"/locataires/{seeded.tenant_id}/effacement").status_code == 404


@pytest.mark.parametrize("who", ["volunteer", "partner_coordinator", "foreign_coordinator"])
def test_anyone_else_gets_404_and_nothing_changes(browser, people, veille, seeded, who):
    browser.sign_in(getattr(people, who))
    before = every_row(veille)
    assert browser.get(f"/locataires/{seeded.tenant_id}/effacement").status_code == 404
    assert browser.post(f"/locataires/{seeded.tenant_id}/effacement",
                        {"reference": "ZQ-4471"}).status_code == 404
    assert browser.post(f"/locataires/{seeded.tenant_id}/donnees", {"format": "json"}).status_code == 404
    after = every_row(veille)
    assert {k: v for k, v in after.items() if k != "audit_events"} == \
        {k: v for k, v in before.items() if k != "audit_events"}
    with veille.session_factory() as session:
        assert session.scalar(select(Tenant.id).where(Tenant.reference == "ZQ-4471")) == seeded.tenant_id
    assert privacy_audit(veille) == []
