"""Volunteers: on-duty flag, capacity, absences, and portfolios (the same person each week).

A landlord's volunteers are its own and those of its partner associations. A tenant's
volunteer receives their follow-ups while active and not away; otherwise the tasks are
offered to all (DESIGN §12).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import DutySlot
from db.models import Enrolment
from db.models import FollowUp
from db.models import Organisation
from db.models import Tenant
from db.models import User
from db.models import VolunteerAbsence
from voice_app.domain.calendar import PARIS
from voice_app.domain.calendar import paris_date
from voice_app.domain.follow_up import OPEN_STATUSES
from voice_app.domain.follow_up import Status
from voice_app.domain.people import Role
from voice_app.domain.people import Volunteer
from voice_app.domain.people import balance
from voice_app.domain.people import on_duty_at
from voice_app.domain.people import slot_problem
from voice_app.services import figure_counts
from voice_app.services.organisations import partner_ids
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.volunteers")


class VolunteerError(ValueError):
    """A request about volunteers that cannot be honoured (French message)."""


@dataclass
class PortfolioResult:
    assigned: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VolunteerRow:
    user: User
    organisation_name: str
    portfolio: int
    away_until: date | None


def pool_organisation_ids(session: Session, landlord_id: int) -> list[int]:
    """Organisations whose volunteers may follow this landlord's tenants."""
    return [landlord_id, *partner_ids(session, landlord_id)]


def is_available(session: Session, user_id: int | None, day: date) -> bool:
    """An active volunteer who is not away on `day`."""
    if user_id is None:
        return False
    user = session.get(User, user_id)
    if user is None or not user.active or user.role != Role.VOLUNTEER:
        return False
    away = session.scalar(select(VolunteerAbsence.id).where(
        VolunteerAbsence.user_id == user_id, VolunteerAbsence.starts_on <= day,
        VolunteerAbsence.ends_on >= day).limit(1))
    return away is None


def _volunteer_of_pool(session: Session, landlord_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if (user is None or user.role != Role.VOLUNTEER or not user.active
            or user.organisation_id not in pool_organisation_ids(session, landlord_id)):
        raise VolunteerError("Ce bénévole n’existe pas, n’est plus actif "
                             "ou ne travaille pas pour ce bailleur.")
    return user


def _audit(session: Session, veille: Runtime, organisation_id: int, actor_id: int | None, action: str,
           subject_type: str, subject_id: int | None, details: dict | None = None) -> None:
    session.add(AuditEvent(organisation_id=organisation_id, actor_id=actor_id,
                           actor_label="utilisateur" if actor_id else "commande", action=action,
                           subject_type=subject_type, subject_id=subject_id, details=details or {},
                           at=veille.clock()))


def volunteers_overview(veille: Runtime, landlord_id: int, *, only_organisation: int | None = None,
                        today: date | None = None) -> list[VolunteerRow]:
    """Volunteers of the landlord and its partners (or of one of them), with portfolio sizes."""
    today = today or paris_date(veille.clock())
    with veille.session_factory() as session:
        organisations = ([only_organisation] if only_organisation
                         else pool_organisation_ids(session, landlord_id))
        portfolio = (select(Tenant.assigned_volunteer_id, func.count(Tenant.id).label("n"))
                     .where(Tenant.organisation_id == landlord_id).group_by(Tenant.assigned_volunteer_id)
                     .subquery())
        rows = session.execute(
            select(User, Organisation.name, func.coalesce(portfolio.c.n, 0))
            .join(Organisation, Organisation.id == User.organisation_id)
            .outerjoin(portfolio, portfolio.c.assigned_volunteer_id == User.id)
            .where(User.organisation_id.in_(organisations), User.role == Role.VOLUNTEER)
            .order_by(User.active.desc(), User.display_name)).all()
        away = dict(session.execute(
            select(VolunteerAbsence.user_id, func.max(VolunteerAbsence.ends_on))
            .where(VolunteerAbsence.starts_on <= today, VolunteerAbsence.ends_on >= today)
            .group_by(VolunteerAbsence.user_id)).all())
    return [VolunteerRow(user, name, count, away.get(user.id)) for user, name, count in rows]


def set_on_duty(veille: Runtime, landlord_id: int, user_id: int, on_duty: bool, *,
                actor_id: int | None = None) -> None:
    """Put a volunteer on duty (rung for live transfers, told of urgent tasks) or off."""
    with veille.session_factory.begin() as session:
        user = _volunteer_of_pool(session, landlord_id, user_id)
        if on_duty and not user.on_duty_phone:
            raise VolunteerError("Un bénévole de permanence a besoin d’un numéro de téléphone.")
        user.on_duty = on_duty
        action = "volunteer.on_duty" if on_duty else "volunteer.off_duty"
        _audit(session, veille, landlord_id, actor_id, action, "user", user_id)


def set_capacity(veille: Runtime, landlord_id: int, user_id: int, capacity: int, *,
                 actor_id: int | None = None) -> None:
    if not 0 <= capacity <= 1000:
        raise VolunteerError("La capacité est un nombre de locataires entre 0 et 1000.")
    with veille.session_factory.begin() as session:
        _volunteer_of_pool(session, landlord_id, user_id).capacity = capacity
        _audit(session, veille, landlord_id, actor_id, "volunteer.capacity_set", "user", user_id,
               {"capacity": capacity})


def add_absence(veille: Runtime, landlord_id: int, user_id: int, starts_on: date, ends_on: date, *,
                actor_id: int | None = None) -> int:
    """Record a volunteer's absence: meanwhile their tenants' new tasks are offered to all, and
    so are the tasks they hold that fall due before they are back (a regular call planned
    weeks ago, a task already late if the absence has begun). Returns how many were offered."""
    if ends_on < starts_on:
        raise VolunteerError("La fin de l’absence précède son début.")
    now = veille.clock()
    with veille.session_factory.begin() as session:
        _volunteer_of_pool(session, landlord_id, user_id)
        session.add(VolunteerAbsence(user_id=user_id, starts_on=starts_on, ends_on=ends_on, created_at=now))
        offered = _offer_held_tasks(session, user_id, starts_on, ends_on, now)
        _audit(session, veille, landlord_id, actor_id, "volunteer.absence_added", "user", user_id,
               {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "offered": offered})
    return offered


def _offer_held_tasks(session: Session, user_id: int, starts_on: date, ends_on: date, now: datetime) -> int:
    """Offer to all the volunteer's open tasks due during the absence (or before it ends, if it
    has begun)."""
    back = datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=PARIS)
    due = [FollowUp.due_at < back]
    if starts_on > paris_date(now):
        due.append(FollowUp.due_at >= datetime.combine(starts_on, time(0), tzinfo=PARIS))
    ids = list(session.scalars(select(FollowUp.id).where(
        FollowUp.assignee_id == user_id, FollowUp.status.in_(OPEN_STATUSES), *due)))
    if ids:
        with figure_counts.follow_ups_changing(session, FollowUp.id.in_(ids)):
            session.execute(update(FollowUp).where(FollowUp.id.in_(ids)).values(
                assignee_id=None, status=Status.OPEN, claimed_at=None))
    return len(ids)


def assign_portfolio(veille: Runtime, landlord_id: int, references: Iterable[str], volunteer_id: int, *,
                     actor_id: int | None = None,
                     among_organisation_id: int | None = None) -> PortfolioResult:
    """Make `volunteer_id` the volunteer of the tenants named by reference. With
    `among_organisation_id` (a partner's coordinator), only tenants already followed by one of
    that organisation's volunteers move: the others are "not found", as if they did not exist."""
    references = [r.strip() for r in references if r and r.strip()]
    result = PortfolioResult()
    with veille.session_factory.begin() as session:
        _volunteer_of_pool(session, landlord_id, volunteer_id)
        query = select(Tenant.reference, Tenant.id).where(
            Tenant.organisation_id == landlord_id, Tenant.reference.in_(references))
        if among_organisation_id is not None:
            query = query.where(Tenant.assigned_volunteer_id.in_(
                select(User.id).where(User.organisation_id == among_organisation_id)))
        found = dict(session.execute(query).all())
        result.not_found = [r for r in references if r not in found]
        result.assigned = [r for r in references if r in found]
        if result.assigned:
            ids = [found[r] for r in result.assigned]
            with figure_counts.tenants_regrouped(session, ids):
                session.execute(update(Tenant).where(Tenant.id.in_(ids)).values(assigned_volunteer_id=volunteer_id))
            _audit(session, veille, landlord_id, actor_id, "portfolio.assigned", "user", volunteer_id,
                   {"count": len(result.assigned)})
    log.info("portfolio.assigned volunteer_id=%s count=%d", volunteer_id, len(result.assigned))
    return result


def balance_site(veille: Runtime, landlord_id: int, site: str, *, actor_id: int | None = None) -> int:
    """Spread the site's enrolled tenants over the available volunteers by free capacity,
    keeping each tenant who already has one of them. Returns how many tenants moved."""
    today = paris_date(veille.clock())
    with veille.session_factory.begin() as session:
        tenants = dict(session.execute(select(Tenant.id, Tenant.assigned_volunteer_id).join(
            Enrolment, Enrolment.tenant_id == Tenant.id).where(
            Tenant.organisation_id == landlord_id, Tenant.site == site, Enrolment.status == "enrolled")
            .order_by(Tenant.reference)).all())
        if not tenants:
            raise VolunteerError(f"Aucun locataire inscrit sur le site « {site} ».")
        volunteers = _available_volunteers(session, landlord_id, today, exclude_tenants=list(tenants))
        if not volunteers:
            raise VolunteerError("Aucun bénévole disponible pour ce bailleur.")
        moves = balance(list(tenants), volunteers, tenants)
        with figure_counts.tenants_regrouped(session, list(moves)):
            for tenant_id, volunteer_id in moves.items():
                session.execute(update(Tenant).where(Tenant.id == tenant_id)
                                .values(assigned_volunteer_id=volunteer_id))
        _audit(session, veille, landlord_id, actor_id, "portfolio.balanced", "site", None,
               {"moved": len(moves), "tenants": len(tenants)})
    log.info("portfolio.balanced moved=%d tenants=%d", len(moves), len(tenants))
    return len(moves)


def _available_volunteers(session: Session, landlord_id: int, today: date,
                          exclude_tenants: list[int]) -> list[Volunteer]:
    users = session.scalars(select(User).where(
        User.organisation_id.in_(pool_organisation_ids(session, landlord_id)),
        User.role == Role.VOLUNTEER, User.active.is_(True)).order_by(User.id)).all()
    loads = dict(session.execute(select(Tenant.assigned_volunteer_id, func.count(Tenant.id)).where(
        Tenant.organisation_id == landlord_id, Tenant.id.not_in(exclude_tenants))
        .group_by(Tenant.assigned_volunteer_id)).all())
    return [Volunteer(u.id, u.capacity, loads.get(u.id, 0)) for u in users
            if is_available(session, u.id, today)]


# --- The on-duty roster -----------------------------------------------------------------------

def on_duty_user_ids(session: Session, organisation_ids: list[int], role: str, moment: datetime) -> list[int]:
    """Active people of `role` on duty at `moment`: their flag is set, or a roster slot covers it;
    volunteers away that day are left out. They need a phone to be reached."""
    users = session.execute(select(User.id, User.on_duty).where(
        User.organisation_id.in_(organisation_ids), User.role == role, User.active.is_(True),
        User.on_duty_phone.is_not(None)).order_by(User.id)).all()
    slots: dict[int, list] = {}
    for user_id, weekday, start, end in session.execute(select(
            DutySlot.user_id, DutySlot.weekday, DutySlot.starts_at, DutySlot.ends_at).where(
            DutySlot.user_id.in_([u for u, _ in users]))):
        slots.setdefault(user_id, []).append((weekday, start, end))
    day = paris_date(moment)
    return [user_id for user_id, flag in users
            if (flag or on_duty_at(slots.get(user_id, ()), moment, PARIS))
            and (role != Role.VOLUNTEER or is_available(session, user_id, day))]


def roster(veille: Runtime, user_ids: list[int]) -> dict[int, list[DutySlot]]:
    with veille.session_factory() as session:
        found: dict[int, list[DutySlot]] = {}
        for slot in session.scalars(select(DutySlot).where(DutySlot.user_id.in_(user_ids))
                                    .order_by(DutySlot.weekday, DutySlot.starts_at)):
            found.setdefault(slot.user_id, []).append(slot)
        return found


def add_duty_slot(veille: Runtime, landlord_id: int, user_id: int, weekday: int, start: time, end: time, *,
                  actor_id: int | None = None) -> None:
    problem = slot_problem(weekday, start, end)
    if problem:
        raise VolunteerError(problem)
    with veille.session_factory.begin() as session:
        user = _volunteer_of_pool(session, landlord_id, user_id)
        if not user.on_duty_phone:
            raise VolunteerError("Un bénévole de permanence a besoin d’un numéro de téléphone.")
        session.add(DutySlot(user_id=user_id, weekday=weekday, starts_at=start, ends_at=end))
        _audit(session, veille, landlord_id, actor_id, "volunteer.duty_slot_added", "user", user_id,
               {"weekday": weekday, "start": start.isoformat("minutes"), "end": end.isoformat("minutes")})


def remove_duty_slot(veille: Runtime, landlord_id: int, user_id: int, slot_id: int, *,
                     actor_id: int | None = None) -> None:
    with veille.session_factory.begin() as session:
        _volunteer_of_pool(session, landlord_id, user_id)
        slot = session.get(DutySlot, slot_id)
        if slot is None or slot.user_id != user_id:
            raise VolunteerError("Cette permanence n’existe pas.")
        session.delete(slot)
        _audit(session, veille, landlord_id, actor_id, "volunteer.duty_slot_removed", "user", user_id)
