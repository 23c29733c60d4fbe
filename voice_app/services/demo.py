"""Fictitious demo data for the embedded default (SQLite + simulator).

Seeding goes through the real flow: a tenant file is written and imported, the eligibility
rules enrol tenants, volunteers go on duty, and a demo campaign is created with the real rules
of an urgent campaign (every day, calling hours 10:00-12:30 and 14:00-18:00, retries two hours
apart in another half-day). On the demo's compressed clock (voice_app.compressed_clock, turned
on by scripts/run) seeding starts a demo morning just before the windows open, so the clock
places simulated calls at once and the whole day, retries and the round's close included,
plays in a few minutes. Every number is in the range ARCEP reserves for fiction
(01 99 00 xx xx). Seeding is refused with a real provider, so a demo can never ring a real person.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Organisation
from db.models import User
from voice_app.compressed_clock import CompressedClock
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import urgent_policy
from voice_app.domain.spreadsheet import SafeCsvWriter
from voice_app.services.accounts import hash_password
from voice_app.services.campaigns import create_campaign
from voice_app.services.enrolment import enrol_eligible
from voice_app.services.organisations import current_organisation
from voice_app.services.organisations import ensure_organisation
from voice_app.services.organisations import find_organisation
from voice_app.services.organisations import slugify
from voice_app.services.ports import Runtime
from voice_app.services.tenant_import import import_tenants

log = logging.getLogger("veille.demo")

DEMO_CAMPAIGN = "Démonstration"
DEMO_ORGANISATION = "Habitat Démo"
DEMO_SLUG = slugify(DEMO_ORGANISATION)
DEMO_CALLBACK_NUMBER = "+33199000000"
# (civility, first name): the civility goes with the name ("Mme Jeanne", "M. Marcel").
FIRST_NAMES = (("Mme", "Jeanne"), ("M.", "Marcel"), ("Mme", "Odette"), ("M.", "Lucien"), ("Mme", "Simone"),
               ("M.", "René"), ("Mme", "Paulette"), ("M.", "Henri"), ("Mme", "Yvette"), ("M.", "Georges"),
               ("Mme", "Huguette"), ("M.", "Maurice"), ("Mme", "Colette"), ("M.", "Roger"),
               ("Mme", "Germaine"), ("M.", "André"))
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David")
SITES = ("Résidence des Lilas", "Cité Jardin", "Les Hauts de Belleville")
VOLUNTEERS = (("Claire Dupont", "+33199009901"), ("Karim Benali", "+33199009902"))  # the pages add the role
DEMO_TENANTS = 40
DEMO_PASSWORD = "demo-veille-2026"  # fictitious people, simulator only: never a real account


class DemoRefused(RuntimeError):
    """Demo data must never reach a real telephony provider."""


@dataclass(frozen=True)
class SeedResult:
    already_seeded: bool
    tenants: int = 0
    enrolled: int = 0
    demo_time: datetime | None = None  # the demo's clock when seeded (None: real time)


def seed_demo(veille: Runtime, *, tenants: int = DEMO_TENANTS,
              organisation_id: int | None = None) -> SeedResult:
    """Seed the demo once (idempotent); refuse unless the simulator is the provider."""
    if veille.settings.TELEPHONY_PROVIDER != "simulator":
        raise DemoRefused(
            "Données de démonstration refusées : un opérateur téléphonique réel est configuré "
            f"(TELEPHONY_PROVIDER={veille.settings.TELEPHONY_PROVIDER}). Une démonstration ne doit "
            "jamais appeler une vraie personne.")
    organisation = _demo_organisation(veille, organisation_id)
    organisation_id = organisation.id
    with veille.session_factory() as session:
        seeded = session.scalar(select(Campaign.id).where(Campaign.organisation_id == organisation.id,
                                                          Campaign.name == DEMO_CAMPAIGN))
    compressed = veille.clock if isinstance(veille.clock, CompressedClock) else None
    if seeded:
        if compressed is not None and not compressed.anchored:  # the clock was turned on since
            compressed.start_demo_day()
        return SeedResult(already_seeded=True, demo_time=veille.clock() if compressed else None)
    if compressed is not None:
        compressed.start_demo_day()  # the demo's morning, just before the windows open
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "locataires-demo.csv"
        write_demo_tenant_file(path, tenants)
        report = import_tenants(veille, path, organisation_id=organisation_id)
    enrolled = enrol_eligible(veille, legal_basis="public_interest", organisation_id=organisation_id)
    _volunteers_on_duty(veille, organisation_id)
    create_campaign(veille, DEMO_CAMPAIGN, demo_policy(), urgent=True, organisation_id=organisation_id)
    log.info("demo.seeded tenants=%d enrolled=%d", report.created, len(enrolled))
    return SeedResult(already_seeded=False, tenants=report.created, enrolled=len(enrolled),
                      demo_time=veille.clock() if compressed else None)


def demo_policy() -> CampaignPolicy:
    """The real rules of an urgent campaign: every day (holidays included) in the default
    calling hours, three attempts two hours apart in another half-day, one-day rounds. Only
    the clock is compressed (scripts/run), never the rules: no demo call outside the hours."""
    return urgent_policy(max_concurrent_calls=60)


# Two tenants called in their own language: DEMO-002 in Portuguese, DEMO-003 in Arabic.
DEMO_LANGUAGES = {2: "portugais", 3: "arabe"}


def write_demo_tenant_file(path: Path, count: int) -> None:
    """A landlord-style file (French headers, `;`) of fictitious tenants."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = SafeCsvWriter(stream, delimiter=";")
        writer.writerow(["Référence", "Civilité", "Nom", "Prénom", "Année de naissance",
                         "Année de naissance du conjoint", "Composition du foyer", "Téléphone",
                         "Site", "Gardien", "Langue"])
        for n in range(1, count + 1):
            writer.writerow(_demo_row(n))


def _demo_row(n: int) -> list[str]:
    civility, first = FIRST_NAMES[n % len(FIRST_NAMES)]
    couple = n % 5 == 0
    young = n % 9 == 0  # a few tenants the rules do not select, to show eligibility at work
    birth_year = 1962 if young else 1930 + (n * 7) % 20
    return [f"DEMO-{n:03d}", civility, LAST_NAMES[(n * 3) % len(LAST_NAMES)], first,
            str(birth_year), str(1935 + n % 10) if couple else "", "couple" if couple else "seul",
            f"01 99 00 {n // 100:02d} {n % 100:02d}", SITES[n % len(SITES)], "M. Gardien",
            DEMO_LANGUAGES.get(n, "français")]


def _demo_organisation(veille: Runtime, organisation_id: int | None) -> Organisation:
    """The organisation named, else the fictitious one made for the demo: never a real landlord
    that happens to be the only one (the demo adds tenants, accounts with a printed password
    and its own callback number)."""
    if organisation_id is not None:
        return current_organisation(veille, organisation_id)
    return ensure_organisation(veille.session_factory, DEMO_ORGANISATION,
                               service_numbers=[DEMO_CALLBACK_NUMBER])


def _volunteers_on_duty(veille: Runtime, organisation_id: int) -> None:
    """Demo people who can sign in (DEMO_PASSWORD): two volunteers on duty, a coordinator, an admin."""
    password_hash = hash_password(DEMO_PASSWORD)
    people = [(f"benevole{index}@demo.veille.invalid", name, "volunteer", phone)
              for index, (name, phone) in enumerate(VOLUNTEERS, start=1)]
    people += [("coordination@demo.veille.invalid", "Sophie Lambert", "coordinator", None),
               ("admin@demo.veille.invalid", "Admin démo", "admin", None)]
    with veille.session_factory.begin() as session:
        session.execute(update(Organisation).where(Organisation.id == organisation_id)
                        .values(callback_number=DEMO_CALLBACK_NUMBER))
        for email, name, role, phone in people:
            if session.scalar(select(User.id).where(User.email == email)) is None:
                session.add(User(organisation_id=organisation_id, email=email, display_name=name, role=role,
                                 on_duty=phone is not None, on_duty_phone=phone, password_hash=password_hash))


@dataclass(frozen=True)
class DemoStatus:
    attempts_by_state: dict[str, int]
    outcomes: dict[str, int]
    follow_ups: dict[tuple[str, str], int]


def demo_status(veille: Runtime, organisation_id: int | None = None) -> DemoStatus:
    """Counts only: calls by state and outcome, open follow-ups by reason and priority, of the
    organisation `organisation_id`, else of the demo's own."""
    organisation = (current_organisation(veille, organisation_id) if organisation_id is not None
                    else find_organisation(veille, DEMO_SLUG))
    org = organisation.id
    with veille.session_factory() as session:
        states = session.execute(select(CallAttempt.state, func.count()).where(
            CallAttempt.organisation_id == org).group_by(CallAttempt.state)).all()
        outcomes = session.execute(select(CallAttempt.outcome, func.count()).where(
            CallAttempt.organisation_id == org, CallAttempt.outcome.is_not(None))
            .group_by(CallAttempt.outcome)).all()
        follow_ups = session.execute(select(FollowUp.reason, FollowUp.priority, func.count()).where(
            FollowUp.organisation_id == org).group_by(FollowUp.reason, FollowUp.priority)).all()
    return DemoStatus(dict(states), dict(outcomes), {(r, p): c for r, p, c in follow_ups})
