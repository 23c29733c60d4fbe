"""People for web tests: two landlords, a partner association, one account per role, and a
`Browser` that signs in through the real form (CSRF token included).

    browser = Browser(client); browser.sign_in(people.volunteer); browser.get("/")
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from tests.conftest import ORGANISATION_NAME
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.organisations import create_organisation
from voice_app.services.organisations import ensure_organisation
from voice_app.services.organisations import grant_partnership

PASSWORD = "un mot de passe de test"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    organisation_id: int


@dataclass
class People:
    landlord_id: int
    partner_id: int
    other_landlord_id: int
    admin: Person
    coordinator: Person
    volunteer: Person
    other_volunteer: Person  # same landlord, another volunteer
    partner_coordinator: Person
    partner_volunteer: Person
    foreign_coordinator: Person  # another landlord's
    foreign_volunteer: Person


def make_people(veille) -> People:
    landlord = ensure_organisation(veille.session_factory, ORGANISATION_NAME)
    partner = create_organisation(veille, "Protection civile 75", kind="partner")
    grant_partnership(veille, landlord.id, partner.id)
    other = create_organisation(veille, "Autre Bailleur", service_numbers=["+33159000099"])

    def person(email, role, organisation, phone=None) -> Person:
        user = create_user(veille, NewUser(email=email, role=role, name=email.split("@")[0].title(),
                                           organisation_id=organisation.id, phone=phone), password=PASSWORD)
        return Person(user.id, user.email, organisation.id)

    return People(
        landlord.id, partner.id, other.id,
        admin=person("admin@habitat.test", "admin", landlord),
        coordinator=person("coord@habitat.test", "coordinator", landlord),
        volunteer=person("claire@habitat.test", "volunteer", landlord, "+33611111111"),
        other_volunteer=person("karim@habitat.test", "volunteer", landlord, "+33622222222"),
        partner_coordinator=person("coord@pc75.test", "coordinator", partner),
        partner_volunteer=person("louise@pc75.test", "volunteer", partner, "+33633333333"),
        foreign_coordinator=person("coord@autre.test", "coordinator", other),
        foreign_volunteer=person("paul@autre.test", "volunteer", other, "+33644444444"),
    )


def add_round(veille, organisation_id: int) -> int:
    """A campaign round of the organisation (follow-ups name a round as their cause)."""
    from datetime import UTC
    from datetime import date
    from datetime import datetime

    from db.models import Campaign
    from db.models import Round

    with veille.session_factory.begin() as session:
        campaign = Campaign(organisation_id=organisation_id, name=f"Campagne {secrets.token_hex(4)}",
                            policy={})
        session.add(campaign)
        session.flush()
        round_ = Round(campaign_id=campaign.id, scheduled_on=date(2026, 11, 24),
                       starts_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
                       ends_at=datetime(2026, 11, 25, 17, tzinfo=UTC))
        session.add(round_)
        session.flush()
        return round_.id


def add_tenant(veille, organisation_id: int, reference: str, site: str = "Cité Verte",
               volunteer_id: int | None = None, enrolled: bool = True, phone: str | None = "+33612345678",
               last_name: str = "Martin") -> int:
    from datetime import date

    from db.models import Enrolment
    from db.models import Tenant
    from voice_app.services import figure_counts

    with veille.session_factory.begin() as session:
        tenant = Tenant(organisation_id=organisation_id, reference=reference, last_name=last_name,
                        first_name="Jeanne", civility="Mme", household="alone", birth_year=1938, phone=phone,
                        site=site, caretaker="M. Diallo", assigned_volunteer_id=volunteer_id)
        session.add(tenant)
        session.flush()
        if enrolled:
            enrolment = Enrolment(tenant_id=tenant.id, organisation_id=organisation_id, status="enrolled",
                                  legal_basis="public_interest", source="test", enrolled_on=date(2026, 11, 1))
            session.add(enrolment)
            figure_counts.enrolment_changed(session, enrolment)  # as the enrolment service counts it
        return tenant.id


def add_task(veille, organisation_id: int, tenant_id: int, reason: str, now, round_id: int | None = None):
    """A follow-up opened by escalation, as a call's outcome would open it."""
    from voice_app.services.escalations import open_follow_up

    round_id = round_id or add_round(veille, organisation_id)
    with veille.session_factory.begin() as session:
        task = open_follow_up(session, organisation_id=organisation_id, tenant_id=tenant_id, reason=reason,
                              now=now, round_id=round_id)
        return task.id


def http_sign_in(url: str, email: str, password: str = PASSWORD):
    """A `requests` session signed in on a real server, and its CSRF token."""
    import requests

    session = requests.Session()
    token = CSRF_FIELD.search(session.get(f"{url}/connexion").text).group(1)
    response = session.post(f"{url}/connexion", data={"email": email, "password": password,
                                                      "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302, "sign-in refused"
    return session, CSRF_FIELD.search(session.get(f"{url}/suivis").text).group(1)


class Browser:
    """A person's browser on the Flask test client: forms carry the page's CSRF token."""

    def __init__(self, client) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        if response.mimetype != "text/html":
            return response
        found = CSRF_FIELD.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/connexion")
            data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)

    def sign_in(self, person: Person | str, password: str = PASSWORD, next_path: str | None = None):
        email = person if isinstance(person, str) else person.email
        self.get("/connexion")
        path = "/connexion" + (f"?next={next_path}" if next_path else "")
        response = self.post(path, {"email": email, "password": password})
        if response.status_code == 302:
            self.get("/")  # signing in starts a new session: take its CSRF token
        return response
