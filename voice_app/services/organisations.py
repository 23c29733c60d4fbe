"""Organisations: landlords and partner associations, their service numbers and partnerships.

A command or a page always acts for one organisation: the one named (`--organisation SLUG`,
the signed-in user's), or by default the only landlord. An unknown slug is refused, never
created on the fly.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from itertools import chain
from itertools import count

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from db.models import AuditEvent
from db.models import Organisation
from db.models import Partnership
from db.models import ServiceNumber
from voice_app.domain.phones import PhoneError
from voice_app.domain.phones import normalise_phone
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.organisations")

KINDS = ("landlord", "partner")
KIND_LABELS = {"landlord": "bailleur", "partner": "association partenaire"}


class OrganisationError(ValueError):
    """A request about organisations that cannot be honoured (French message)."""


class UnknownOrganisation(OrganisationError):
    pass


SLUG_LENGTH = 64  # the column's


def slugify(name: str) -> str:
    """`Paris Habitat` -> `paris-habitat` (SLUG_LENGTH characters at most)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower())[:SLUG_LENGTH].strip("-") or "veille"


def _free_slug(session: Session, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... whichever no organisation holds yet."""
    # A numbered slug may be cut short to fit the column: look at everything it could become.
    taken = set(session.scalars(select(Organisation.slug).where(
        Organisation.slug.startswith(wanted[:SLUG_LENGTH - 8], autoescape=True))))
    numbered = (f"{wanted[:SLUG_LENGTH - len(str(n)) - 1].rstrip('-')}-{n}" for n in count(2))
    return next(candidate for candidate in chain([wanted], numbered) if candidate not in taken)


def _numbers(raw_numbers: Iterable[str]) -> list[str]:
    numbers = []
    for raw in raw_numbers:
        try:
            numbers.append(normalise_phone(raw))
        except PhoneError as error:
            raise OrganisationError(f"Numéro de service invalide : {error}") from error
    return numbers


def create_organisation(veille: Runtime, name: str, *, slug: str | None = None, kind: str = "landlord",
                        service_numbers: Iterable[str] = (), callback_number: str | None = None,
                        actor_id: int | None = None, numbered_slug: bool = False) -> Organisation:
    """Create an organisation; refuses a slug or a service number already taken. With
    `numbered_slug`, a slug drawn from a name already used gets the first free number instead
    (`croix-rouge-2`): two landlords may each work with an association of the same name."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise OrganisationError("Le nom d’un organisme doit faire entre 1 et 200 caractères.")
    if kind not in KINDS:
        raise OrganisationError(f"Type d’organisme inconnu : {kind!r} (attendu : landlord ou partner).")
    slug = slugify(slug or name)
    numbers = _numbers(service_numbers)
    callback = _numbers([callback_number])[0] if callback_number else (numbers[0] if numbers else None)
    try:
        with veille.session_factory.begin() as session:
            if numbered_slug:
                slug = _free_slug(session, slug)
            organisation = Organisation(slug=slug, name=name, kind=kind, callback_number=callback,
                                        settings={}, created_at=veille.clock())
            session.add(organisation)
            session.flush()
            session.add_all(ServiceNumber(organisation_id=organisation.id, number=n) for n in numbers)
            session.add(AuditEvent(organisation_id=organisation.id, actor_id=actor_id,
                                   actor_label="utilisateur" if actor_id else "commande",
                                   action="organisation.created", subject_type="organisation",
                                   subject_id=organisation.id, details={"kind": kind}, at=veille.clock()))
    except IntegrityError as error:
        raise OrganisationError(f"L’identifiant « {slug} » ou l’un des numéros est déjà pris.") from error
    log.info("organisation.created organisation_id=%s kind=%s", organisation.id, kind)
    return organisation


def ensure_organisation(session_factory: sessionmaker[Session], name: str, *,
                        service_numbers: Iterable[str] = ()) -> Organisation:
    """The landlord called `name`, created if missing (demo data, tests, benchmarks only)."""
    slug = slugify(name)
    with session_factory.begin() as session:
        found = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if found is not None:
            return found
    try:
        with session_factory.begin() as session:
            organisation = Organisation(slug=slug, name=name, kind="landlord", settings={})
            session.add(organisation)
            session.flush()
            session.add_all(ServiceNumber(organisation_id=organisation.id, number=n)
                            for n in service_numbers)
        return organisation
    except IntegrityError:  # created meanwhile by another process
        with session_factory.begin() as session:
            return session.scalars(select(Organisation).where(Organisation.slug == slug)).one()


def find_organisation(veille: Runtime, slug: str) -> Organisation:
    """The organisation `slug`, or UnknownOrganisation (never created on the fly)."""
    with veille.session_factory() as session:
        found = session.scalar(select(Organisation).where(Organisation.slug == slug.strip()))
    if found is None:
        raise UnknownOrganisation(f"Organisme inconnu : « {slug} ». "
                                  "Voir « veille organisations list ».")
    return found


def current_organisation(veille: Runtime, organisation_id: int | None = None) -> Organisation:
    """The landlord a command or page acts for: `organisation_id`, or the only landlord."""
    with veille.session_factory() as session:
        if organisation_id is not None:
            found = session.get(Organisation, organisation_id)
            if found is None:
                raise UnknownOrganisation(f"Organisme inconnu (n° {organisation_id}).")
            return found
        landlords = list(session.scalars(select(Organisation).where(Organisation.kind == "landlord")
                                         .order_by(Organisation.id).limit(2)))
    if not landlords:
        raise UnknownOrganisation("Aucun bailleur n’est encore créé : "
                                  "« veille organisations create NOM --number +33... ».")
    if len(landlords) > 1:
        raise OrganisationError("Plusieurs bailleurs utilisent Veille : précisez --organisation SLUG.")
    return landlords[0]


def organisation_for_number(session: Session, number: str | None) -> Organisation | None:
    """The organisation whose service number was called (inbound calls)."""
    if not number:
        return None
    return session.scalar(select(Organisation).join(ServiceNumber)
                          .where(ServiceNumber.number == number))


def only_landlord(session: Session) -> Organisation | None:
    landlords = list(session.scalars(select(Organisation).where(Organisation.kind == "landlord").limit(2)))
    return landlords[0] if len(landlords) == 1 else None


def service_numbers(session: Session, organisation_id: int) -> list[str]:
    return list(session.scalars(select(ServiceNumber.number).where(
        ServiceNumber.organisation_id == organisation_id).order_by(ServiceNumber.id)))


def add_service_number(veille: Runtime, organisation_id: int, raw_number: str) -> str:
    number = _numbers([raw_number])[0]
    try:
        with veille.session_factory.begin() as session:
            session.add(ServiceNumber(organisation_id=organisation_id, number=number))
    except IntegrityError as error:
        raise OrganisationError("Ce numéro de service appartient déjà à un organisme.") from error
    return number


def grant_partnership(veille: Runtime, landlord_id: int, partner_id: int, *,
                      actor_id: int | None = None) -> Partnership:
    """Let a partner association work for a landlord (idempotent)."""
    with veille.session_factory.begin() as session:
        landlord, partner = session.get(Organisation, landlord_id), session.get(Organisation, partner_id)
        if landlord is None or partner is None or landlord.kind != "landlord" or partner.kind != "partner":
            raise OrganisationError("Un partenariat lie un bailleur à une association partenaire.")
        existing = session.scalar(select(Partnership).where(Partnership.landlord_id == landlord_id,
                                                            Partnership.partner_id == partner_id))
        if existing is not None:
            return existing
        partnership = Partnership(landlord_id=landlord_id, partner_id=partner_id, granted_by_id=actor_id,
                                  created_at=veille.clock())
        session.add(partnership)
        session.add(AuditEvent(organisation_id=landlord_id, actor_id=actor_id,
                               actor_label="utilisateur" if actor_id else "commande",
                               action="partnership.granted",
                               subject_type="organisation", subject_id=partner_id, at=veille.clock()))
    log.info("partnership.granted landlord_id=%s partner_id=%s", landlord_id, partner_id)
    return partnership


def partner_ids(session: Session, landlord_id: int) -> list[int]:
    return list(session.scalars(select(Partnership.partner_id).where(Partnership.landlord_id == landlord_id)))


def landlord_ids(session: Session, partner_id: int) -> list[int]:
    return list(session.scalars(select(Partnership.landlord_id).where(Partnership.partner_id == partner_id)))


def create_partner(veille: Runtime, landlord: Organisation, name: str, actor_id: int | None) -> Organisation:
    """A new association working for `landlord`. Another landlord's association may have the
    same name (its slug is then numbered); one of this landlord's may not (a second click)."""
    with veille.session_factory() as session:
        partner_ids = related_organisation_ids(session, landlord)[1:]
        names = session.scalars(select(Organisation.name).where(Organisation.id.in_(partner_ids)))
        if (name or "").strip().casefold() in {known.casefold() for known in names}:
            raise OrganisationError(
                f"L’association « {name.strip()} » travaille déjà avec « {landlord.name} ».")
    partner = create_organisation(veille, name, kind="partner", actor_id=actor_id, numbered_slug=True)
    grant_partnership(veille, landlord.id, partner.id, actor_id=actor_id)
    return partner


def related_organisation_ids(session: Session, organisation: Organisation) -> list[int]:
    """The organisation and those it works with (its partners, or the landlords it serves)."""
    others = partner_ids(session, organisation.id) if organisation.kind == "landlord" \
        else landlord_ids(session, organisation.id)
    return [organisation.id, *others]


def administered_organisation_ids(session: Session, organisation: Organisation) -> list[int]:
    """What an admin of `organisation` manages (accounts, API tokens, the audit log): itself and,
    for a landlord, the associations that work for it alone. An association's admin manages only
    the association; one serving several landlords is managed by its own admin or the operator,
    since its accounts and tokens reach every landlord it serves."""
    if organisation.kind != "landlord":
        return [organisation.id]
    partners = partner_ids(session, organisation.id)
    shared = set(session.scalars(select(Partnership.partner_id).where(
        Partnership.partner_id.in_(partners), Partnership.landlord_id != organisation.id)))
    return [organisation.id, *(partner for partner in partners if partner not in shared)]


def list_organisations(veille: Runtime, *, visible_to: Organisation | None = None) -> list[tuple]:
    """(organisation, its service numbers, its partners' or landlords' names), by name."""
    with veille.session_factory() as session:
        query = select(Organisation).order_by(Organisation.name)
        if visible_to is not None:
            query = query.where(Organisation.id.in_(related_organisation_ids(session, visible_to)))
        rows = []
        for organisation in session.scalars(query):
            linked = related_organisation_ids(session, organisation)[1:]
            names = list(session.scalars(select(Organisation.name).where(Organisation.id.in_(linked))))
            rows.append((organisation, service_numbers(session, organisation.id), names))
        return rows



def inbound_organisation(veille: Runtime, called_number: str | None) -> Organisation | None:
    """Who an inbound call is for: the owner of the number called, else the only landlord
    (a deployment serving one landlord answers on any number it is reached at)."""
    with veille.session_factory() as session:
        return organisation_for_number(session, called_number) or only_landlord(session)
