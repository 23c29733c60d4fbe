"""Tenants as people see them in the console: a searchable list, a card, and the changes a
coordinator makes by hand (away periods, a number, enrolment, their volunteer).

A landlord's coordinators see all of its tenants; a volunteer sees their own portfolio; a
partner's coordinator sees the tenants of its volunteers. Views and changes are audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AwayPeriod
from db.models import Enrolment
from db.models import FollowUp
from db.models import OptOutRequest
from db.models import PhoneSuppression
from db.models import Tenant
from db.models import User
from voice_app.domain.calendar import paris_date
from voice_app.domain.follow_up import Status
from voice_app.domain.opt_out_requests import RequestState
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.domain.phones import PhoneError
from voice_app.domain.phones import mask_phone
from voice_app.domain.phones import normalise_phone
from voice_app.services import audit
from voice_app.services import figure_counts
from voice_app.services.opt_outs import opt_out_tenant
from voice_app.services.ports import Runtime
from voice_app.services.suppression import hash_in
from voice_app.services.suppression import is_suppressed
from voice_app.services.volunteers import pool_organisation_ids

log = logging.getLogger("veille.tenants")

PAGE = 50
AWAY_REASONS = {"hospital": "hospitalisation", "holiday": "vacances", "family": "chez un proche",
                "other": "autre"}


class TenantNotFound(LookupError):
    """No such tenant for this person (404)."""


class TenantChangeRefused(ValueError):
    """A change that cannot be made (French message)."""


@dataclass(frozen=True)
class TenantRow:
    id: int
    reference: str
    name: str
    site: str | None
    enrolment: str | None
    opted_out: bool
    volunteer: str | None


@dataclass(frozen=True)
class TenantPage:
    rows: list[TenantRow]
    next_after: str | None  # the reference to continue after (keyset), None on the last page
    total: int


def visible_tenants(viewer: Viewer):
    """A WHERE clause on Tenant: the tenants this viewer may see."""
    if viewer.sees_whole_landlord:
        return Tenant.organisation_id.in_(viewer.landlord_ids)
    if viewer.role == Role.VOLUNTEER:
        return and_(Tenant.organisation_id.in_(viewer.landlord_ids),
                    Tenant.assigned_volunteer_id == viewer.user_id)
    if viewer.role in (Role.COORDINATOR, Role.ADMIN):
        own_people = select(User.id).where(User.organisation_id == viewer.organisation_id)
        return and_(Tenant.organisation_id.in_(viewer.landlord_ids),
                    Tenant.assigned_volunteer_id.in_(own_people))
    return false()


def _search(query: str):
    text = query.strip().lower()
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(func.lower(Tenant.reference).like(pattern, escape="\\"),
               func.lower(Tenant.last_name).like(pattern, escape="\\"))


def search(veille: Runtime, viewer: Viewer, *, query: str = "", site: str = "",
           after: str | None = None, limit: int = PAGE) -> TenantPage:
    """A page of tenants by reference (keyset: fast on the 1,000th page as on the first)."""
    conditions = [visible_tenants(viewer)]
    if query.strip():
        conditions.append(_search(query))
    if site:
        conditions.append(Tenant.site == site)
    with veille.session_factory() as session:
        total = session.scalar(select(func.count(Tenant.id)).where(*conditions)) or 0
        page_conditions = [*conditions, Tenant.reference > after] if after else conditions
        rows = session.execute(
            select(Tenant.id, Tenant.reference, Tenant.civility, Tenant.first_name, Tenant.last_name,
                   Tenant.site, Enrolment.status, Tenant.opted_out_at, User.display_name)
            .outerjoin(Enrolment, and_(Enrolment.tenant_id == Tenant.id,
                                       Enrolment.organisation_id == Tenant.organisation_id))
            .outerjoin(User, User.id == Tenant.assigned_volunteer_id)
            .where(*page_conditions).order_by(Tenant.reference).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return TenantPage(
        [TenantRow(r.id, r.reference, " ".join(p for p in (r.civility, r.first_name, r.last_name) if p),
                   r.site, r.status, r.opted_out_at is not None, r.display_name) for r in rows],
        rows[-1].reference if more and rows else None, total)


def sites(veille: Runtime, viewer: Viewer) -> list[str]:
    with veille.session_factory() as session:
        return list(session.scalars(select(Tenant.site).where(
            visible_tenants(viewer), Tenant.site.is_not(None)).distinct().order_by(Tenant.site)))


@dataclass(frozen=True)
class TenantCard:
    tenant: Tenant
    enrolment: Enrolment | None
    away: list[AwayPeriod]
    volunteer: User | None
    masked_phones: list[str]
    open_tasks: list[FollowUp]
    volunteers: list[User]  # who a coordinator may assign (the landlord's and partners')
    may_change: bool


def _tenant(session: Session, viewer: Viewer, tenant_id: int) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.id == tenant_id, visible_tenants(viewer)))
    if tenant is None:
        raise TenantNotFound(tenant_id)
    return tenant


def card(veille: Runtime, viewer: Viewer, tenant_id: int) -> TenantCard:
    """The tenant's card; audited as a view."""
    with veille.session_factory.begin() as session:
        tenant = _tenant(session, viewer, tenant_id)
        enrolment = session.scalar(select(Enrolment).where(Enrolment.tenant_id == tenant.id))
        away = list(session.scalars(select(AwayPeriod).where(AwayPeriod.tenant_id == tenant.id)
                                    .order_by(AwayPeriod.starts_on.desc())))
        volunteer = session.get(User, tenant.assigned_volunteer_id) if tenant.assigned_volunteer_id else None
        tasks = list(session.scalars(select(FollowUp).where(
            FollowUp.tenant_id == tenant.id, FollowUp.status != Status.DONE).order_by(FollowUp.due_at)))
        volunteers = list(session.scalars(select(User).where(
            User.organisation_id.in_(pool_organisation_ids(session, tenant.organisation_id)),
            User.role == Role.VOLUNTEER, User.active.is_(True)).order_by(User.display_name))) \
            if viewer.sees_whole_landlord else []
        _audit(session, veille, viewer, tenant, "tenant.viewed")
        return TenantCard(tenant, enrolment, away, volunteer,
                          [mask_phone(n) for n in tenant.numbers], tasks, volunteers,
                          viewer.sees_whole_landlord)


def _audit(session: Session, veille: Runtime, viewer: Viewer, tenant: Tenant, action: str,
           details: dict | None = None) -> None:
    audit.add(session, veille.clock(), organisation_id=tenant.organisation_id,
              actor=session.get(User, viewer.user_id), action=action, subject_type="tenant",
              subject_id=tenant.id, details=details)


def _changeable(session: Session, viewer: Viewer, tenant_id: int) -> Tenant:
    tenant = _tenant(session, viewer, tenant_id)
    if not viewer.sees_whole_landlord:
        raise TenantNotFound(tenant_id)
    return tenant


def add_away_period(veille: Runtime, viewer: Viewer, tenant_id: int, starts_on: date, ends_on: date,
                    reason: str) -> None:
    """Hospital, holiday...: no call and no escalation between these dates (inclusive)."""
    if ends_on < starts_on:
        raise TenantChangeRefused("La fin de l’absence précède son début.")
    if ends_on < paris_date(veille.clock()):
        raise TenantChangeRefused("Cette absence est déjà terminée.")
    if reason not in AWAY_REASONS:
        raise TenantChangeRefused("Motif d’absence inconnu.")
    with veille.session_factory.begin() as session:
        tenant = _changeable(session, viewer, tenant_id)
        session.add(AwayPeriod(tenant_id=tenant.id, starts_on=starts_on, ends_on=ends_on, reason=reason))
        _audit(session, veille, viewer, tenant, "tenant.away_added",
               {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "reason": reason})


def remove_away_period(veille: Runtime, viewer: Viewer, tenant_id: int, period_id: int) -> None:
    with veille.session_factory.begin() as session:
        tenant = _changeable(session, viewer, tenant_id)
        period = session.get(AwayPeriod, period_id)
        if period is None or period.tenant_id != tenant.id:
            raise TenantNotFound(period_id)
        session.delete(period)
        _audit(session, veille, viewer, tenant, "tenant.away_removed")


def _phone(raw: str) -> str:
    try:
        return normalise_phone(raw)
    except PhoneError as error:
        raise TenantChangeRefused(f"Numéro invalide : {error}") from error


def fix_phone(veille: Runtime, viewer: Viewer, tenant_id: int, raw: str, second: bool = False) -> str:
    """Correct a number (E.164 through the phone rules); a number that asked to stop stays refused."""
    number = _phone(raw)
    with veille.session_factory.begin() as session:
        tenant = _changeable(session, viewer, tenant_id)
        if tenant.opted_out_at is not None or is_suppressed(session, tenant.organisation_id, number):
            raise TenantChangeRefused("Ce numéro (ou ce locataire) a demandé à ne plus être appelé.")
        if second:
            tenant.phone2 = number
        else:
            tenant.phone = number
        _audit(session, veille, viewer, tenant, "tenant.phone_fixed",
               {"which": "phone2" if second else "phone"})
    log.info("tenant.phone_fixed tenant_id=%s", tenant_id)
    return number


def assign_volunteer(veille: Runtime, viewer: Viewer, tenant_id: int, volunteer_id: int | None) -> None:
    with veille.session_factory.begin() as session:
        tenant = _changeable(session, viewer, tenant_id)
        if volunteer_id is not None:
            user = session.get(User, volunteer_id)
            if (user is None or user.role != Role.VOLUNTEER or not user.active
                    or user.organisation_id not in pool_organisation_ids(session, tenant.organisation_id)):
                raise TenantChangeRefused("Ce bénévole ne peut pas suivre ce locataire.")
        with figure_counts.tenants_regrouped(session, [tenant.id]):
            tenant.assigned_volunteer_id = volunteer_id
        _audit(session, veille, viewer, tenant, "portfolio.assigned", {"volunteer": volunteer_id})


# --- Opt-outs received by phone or letter, and one undone by mistake ----------------------------

OPT_OUT_CHANNELS = {"telephone": "par téléphone", "letter": "par courrier", "in_person": "en personne"}


def record_opt_out(veille: Runtime, viewer: Viewer, tenant_id: int, channel: str) -> None:
    """The tenant asked a person (phone, letter) to stop the calls: it takes effect at once,
    exactly as a 9 confirmed on a call (numbers kept only as hashes, enrolment ended)."""
    if channel not in OPT_OUT_CHANNELS:
        raise TenantChangeRefused("Indiquez comment le locataire a fait sa demande.")
    with veille.session_factory.begin() as session:
        tenant = _changeable(session, viewer, tenant_id)
        if tenant.opted_out_at is not None:
            raise TenantChangeRefused("Ce locataire a déjà demandé à ne plus être appelé.")
        opt_out_tenant(session, tenant.organisation_id, tenant.id, veille.clock())
        _audit(session, veille, viewer, tenant, "tenant.opted_out", {"channel": channel})


def undo_opt_out(veille: Runtime, viewer: Viewer, tenant_id: int, raw_phone: str, agreement: str) -> None:
    """An opt-out recorded by mistake, undone with the tenant's agreement (how they gave it is
    recorded): the number, erased at the opt-out, is entered again and leaves the suppression
    list. The tenant is not re-enrolled by this: a coordinator enrols them, as any tenant."""
    if agreement not in OPT_OUT_CHANNELS:
        raise TenantChangeRefused("Indiquez comment le locataire a donné son accord pour être rappelé.")
    number = _phone(raw_phone)
    with veille.session_factory.begin() as session:
        tenant = _changeable(session, viewer, tenant_id)
        if tenant.opted_out_at is None:
            raise TenantChangeRefused("Ce locataire n’a pas demandé l’arrêt des appels.")
        session.execute(delete(PhoneSuppression).where(
            PhoneSuppression.organisation_id == tenant.organisation_id,
            PhoneSuppression.phone_hash == hash_in(session, number)))
        tenant.opted_out_at, tenant.phone = None, number
        _audit(session, veille, viewer, tenant, "tenant.opt_out_undone", {"agreement": agreement})
    log.info("tenant.opt_out_undone tenant_id=%s", tenant_id)


def pending_opt_out(veille: Runtime, tenant_id: int):
    """The tenant's pending opt-out request (made on an inbound call), if any."""
    with veille.session_factory() as session:
        return session.scalar(select(OptOutRequest).where(OptOutRequest.tenant_id == tenant_id,
                                                          OptOutRequest.status == RequestState.PENDING))
