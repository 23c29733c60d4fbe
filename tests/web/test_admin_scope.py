"""What an admin administers: their organisation and, for a landlord, the associations that work
for it alone. An association's admin never reaches its landlord's accounts, tokens or audit log,
and a landlord's admin never reaches, through an association it shares, another landlord."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import User
from tests.web.people import PASSWORD
from tests.web.people import Browser
from tests.web.people import add_tenant
from voice_app.domain.api_tokens import Scope
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.api_tokens import authenticate
from voice_app.services.api_tokens import create_token
from voice_app.services.organisations import grant_partnership

LINK = re.compile(r'id="invitation-link"[^>]*value="[^"]*/invitation/([^"]+)"')
SECRET = re.compile(r'id="new-secret"[^>]*value="(veille_[^"]+)"')


def _partner_admin(veille, people) -> int:
    return create_user(veille, NewUser(email="admin@pc75.test", role="admin", name="Admin PC75",
                                       organisation_id=people.partner_id), password=PASSWORD).id


def _new_account(browser, organisation_id: int, email: str, role: str = "admin"):
    browser.get("/admin/utilisateurs")
    return browser.post("/admin/utilisateurs", {"email": email, "name": "Nouveau", "role": role,
                                                "organisation_id": str(organisation_id), "capacity": "25"})


def _account(veille, email: str) -> User | None:
    with veille.session_factory() as session:
        return session.scalar(select(User).where(User.email == email))


def _new_token(browser, organisation_id: int, scope: str = "write") -> str | None:
    browser.get("/admin/jetons-api")
    page = browser.post("/admin/jetons-api", {"organisation_id": str(organisation_id), "name": "jeton",
                                              "scope": scope}).get_data(as_text=True)
    found = SECRET.search(page)
    return found.group(1) if found else None


def _share_the_partner(veille, people) -> None:
    """Protection civile 75 also works for Autre Bailleur (granted by Autre Bailleur)."""
    grant_partnership(veille, people.other_landlord_id, people.partner_id)


# --- An association's admin -------------------------------------------------------------------

def test_a_partners_admin_neither_sees_nor_changes_the_landlords_accounts(browser, people, veille):
    _partner_admin(veille, people)
    browser.sign_in("admin@pc75.test")
    page = browser.get("/admin/utilisateurs").get_data(as_text=True)
    assert "coord@pc75.test" in page  # its own people
    assert "admin@habitat.test" not in page and "coord@habitat.test" not in page

    invitation = browser.post(f"/admin/utilisateurs/{people.admin.id}/invitation")
    switched_off = browser.post(f"/admin/utilisateurs/{people.coordinator.id}/etat", {"active": "0"})

    assert (invitation.status_code, switched_off.status_code) == (404, 404)
    assert LINK.search(invitation.get_data(as_text=True)) is None
    assert _account(veille, "coord@habitat.test").active


def test_a_partners_admin_creates_accounts_only_in_its_association(browser, people, veille):
    _partner_admin(veille, people)
    browser.sign_in("admin@pc75.test")
    form = browser.get("/admin/utilisateurs").get_data(as_text=True)
    assert f'value="{people.landlord_id}"' not in form

    _new_account(browser, people.landlord_id, "intrus@habitat.test")
    answer = _new_account(browser, people.partner_id, "nouveau@pc75.test", role="volunteer")

    assert _account(veille, "intrus@habitat.test") is None
    assert _account(veille, "nouveau@pc75.test").organisation_id == people.partner_id
    assert LINK.search(answer.get_data(as_text=True))


def test_a_partners_admin_gets_no_token_of_the_landlord_and_revokes_none(browser, people, veille):
    landlord_token, landlord_secret = create_token(veille, people.landlord_id, Scope.WRITE, "SI locatif",
                                                   actor=None)
    _partner_admin(veille, people)
    browser.sign_in("admin@pc75.test")

    assert _new_token(browser, people.landlord_id) is None
    assert "SI locatif" not in browser.get("/admin/jetons-api").get_data(as_text=True)
    browser.post(f"/admin/jetons-api/{landlord_token.id}/revoquer")
    assert authenticate(veille, landlord_secret).holder is not None
    assert _new_token(browser, people.partner_id, "read") is not None  # its own


def test_a_partners_admin_reads_only_its_associations_audit_log(client, browser, people, veille):
    tenant_id = add_tenant(veille, people.landlord_id, "PH-5", volunteer_id=people.volunteer.id)
    coordinator = Browser(client.application.test_client())
    coordinator.sign_in(people.coordinator)
    coordinator.get(f"/locataires/{tenant_id}")  # tenant.viewed, in the landlord's log
    _partner_admin(veille, people)

    browser.sign_in("admin@pc75.test")
    page = browser.get("/admin/audit").get_data(as_text=True)

    assert "Coord" not in page and "tenant.viewed" not in page
    assert "Admin PC75" in page  # its own sign-in


# --- A landlord's admin and the associations it shares with another landlord ------------------

def test_a_landlords_admin_manages_an_association_that_works_for_it_alone(browser, people, veille):
    browser.sign_in(people.admin)
    assert "coord@pc75.test" in browser.get("/admin/utilisateurs").get_data(as_text=True)
    _new_account(browser, people.partner_id, "secouriste@pc75.test", role="volunteer")
    assert _account(veille, "secouriste@pc75.test").organisation_id == people.partner_id
    assert _new_token(browser, people.partner_id, "read") is not None


def test_a_shared_association_is_out_of_a_landlords_admin_reach(browser, people, veille):
    _share_the_partner(veille, people)
    browser.sign_in(people.admin)
    page = browser.get("/admin/utilisateurs").get_data(as_text=True)
    assert "coord@pc75.test" not in page

    _new_account(browser, people.partner_id, "relais@pc75.test")
    invitation = browser.post(f"/admin/utilisateurs/{people.partner_coordinator.id}/invitation")

    assert _account(veille, "relais@pc75.test") is None
    assert invitation.status_code == 404
    assert _new_token(browser, people.partner_id, "read") is None
    assert _new_token(browser, people.landlord_id, "read") is not None  # its own still


def test_a_shared_association_stays_listed_among_the_landlords_partners(browser, people, veille):
    _share_the_partner(veille, people)
    browser.sign_in(people.admin)
    assert "Protection civile 75" in browser.get("/admin/organisations").get_data(as_text=True)
