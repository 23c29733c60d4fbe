"""`/admin/jetons-api`: an admin creates a token (shown once), sees the list, revokes it."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import ApiToken
from db.models import AuditEvent
from voice_app.services.api_tokens import authenticate

SECRET = re.compile(r'id="new-secret"[^>]*value="(veille_[^"]+)"')


def test_an_admin_creates_a_token_sees_it_once_and_revokes_it(browser, people, veille):
    browser.sign_in(people.admin)
    assert "Aucun jeton" in browser.get("/admin/jetons-api").get_data(as_text=True)
    created = browser.post("/admin/jetons-api", {"organisation_id": people.landlord_id, "name": "SI locatif",
                                                 "scope": "write"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(created.get_data(as_text=True)).group(1)
    assert authenticate(veille, secret).holder.scope == "write"
    listing = browser.get("/admin/jetons-api").get_data(as_text=True)
    assert "SI locatif" in listing and secret[:13] in listing and secret not in listing
    with veille.session_factory() as session:
        token_id = session.scalar(select(ApiToken.id))
        actions = list(session.scalars(select(AuditEvent.action)
                                       .where(AuditEvent.actor_id == people.admin.id)))
    assert "api_token.created" in actions
    browser.post(f"/admin/jetons-api/{token_id}/revoquer")
    assert authenticate(veille, secret).refusal == "revoked"
    assert "révoqué le" in browser.get("/admin/jetons-api").get_data(as_text=True)


def test_a_partner_write_token_is_refused_with_a_message(browser, people, veille):
    browser.sign_in(people.admin)
    page = browser.post("/admin/jetons-api", {"organisation_id": people.partner_id, "name": "PC",
                                              "scope": "write"}).get_data(as_text=True)
    assert "lecture" in page and not SECRET.search(page)
    with veille.session_factory() as session:
        assert session.scalar(select(ApiToken.id)) is None


def test_only_admins_open_the_page_and_only_their_organisations_tokens_are_revoked(browser, people, veille):
    from voice_app.domain.api_tokens import Scope
    from voice_app.services.api_tokens import create_token

    foreign, secret = create_token(veille, people.other_landlord_id, Scope.READ, "Autre", actor=None)
    browser.sign_in(people.coordinator)
    assert browser.get("/admin/jetons-api").status_code == 404
    browser.sign_in(people.admin)
    assert "Autre" not in browser.get("/admin/jetons-api").get_data(as_text=True)
    browser.post(f"/admin/jetons-api/{foreign.id}/revoquer")
    assert authenticate(veille, secret).holder is not None
