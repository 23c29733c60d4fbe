"""Follow-up tasks as people see them: a volunteer's list, a coordinator's counts.

Every query is scoped by the viewer (DESIGN §12): a volunteer sees the tasks assigned to
them and those offered to all of their landlords' volunteers; a landlord's coordinator sees
all of the landlord's; a partner's coordinator sees those assigned to its volunteers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Organisation
from db.models import Round
from db.models import Tenant
from db.models import User
from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason
from voice_app.domain.follow_up import COORDINATOR_REASONS
from voice_app.domain.follow_up import OPEN_STATUSES
from voice_app.domain.follow_up import Status
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.services import audit
from voice_app.services.organisations import partner_ids
from voice_app.services.ports import Runtime

PRIORITY_RANK = case({Priority.URGENT.value: 0, Priority.HIGH.value: 1, Priority.NORMAL.value: 2},
                     value=FollowUp.priority, else_=3)


@dataclass(frozen=True)
class TaskRow:
    id: int
    reason: str
    priority: str
    due_at: datetime
    created_at: datetime
    status: str
    mine: bool
    assignee_name: str | None
    tenant_name: str
    site: str | None
    attempts: int | None  # attempts of the round, for "n'a répondu à aucun des 3 appels"


@dataclass(frozen=True)
class Dashboard:
    open: int
    urgent: int
    overdue: int
    offered: int
    human_calls_this_week: int = 0


def visible(viewer: Viewer):
    """A WHERE clause on FollowUp: the tasks this viewer may see."""
    if viewer.sees_whole_landlord:
        return FollowUp.organisation_id.in_(viewer.landlord_ids)
    if viewer.role == Role.VOLUNTEER:
        offered = and_(FollowUp.assignee_id.is_(None), FollowUp.status == Status.OPEN,
                       FollowUp.organisation_id.in_(viewer.landlord_ids),
                       FollowUp.reason.not_in([str(r) for r in COORDINATOR_REASONS]))
        return or_(FollowUp.assignee_id == viewer.user_id, offered)
    if viewer.role in (Role.COORDINATOR, Role.ADMIN):  # a partner's staff: their volunteers' tasks
        own_people = select(User.id).where(User.organisation_id == viewer.organisation_id)
        return and_(FollowUp.organisation_id.in_(viewer.landlord_ids), FollowUp.assignee_id.in_(own_people))
    return false()


@dataclass(frozen=True)
class BoardFilter:
    """A coordinator's filters on the board (None: no filter)."""

    site: str | None = None
    reason: str | None = None
    volunteer_id: int | None = None  # 0: nobody holds it (offered)
    partner_id: int | None = None  # tasks held by this organisation's volunteers

    @property
    def is_filtered(self) -> bool:
        return bool(self.site or self.reason or self.volunteer_id is not None or self.partner_id)

    def conditions(self) -> list:
        found = []
        if self.site:
            found.append(Tenant.site == self.site)
        if self.reason:
            found.append(FollowUp.reason == self.reason)
        if self.volunteer_id == 0:
            found.append(FollowUp.assignee_id.is_(None))
        elif self.volunteer_id:
            found.append(FollowUp.assignee_id == self.volunteer_id)
        if self.partner_id:
            partner_people = select(User.id).where(User.organisation_id == self.partner_id)
            found.append(FollowUp.assignee_id.in_(partner_people))
        return found


LIST_LIMIT = 200  # the longest list a page shows


def open_tasks(veille: Runtime, viewer: Viewer, *, limit: int = LIST_LIMIT,
               where: BoardFilter = BoardFilter()) -> list[TaskRow]:
    """Open tasks: mine first, then urgent first, then by due time; for a coordinator,
    tasks raised as overdue come first of all."""
    attempts = (select(func.max(CallAttempt.attempt_number)).where(
        CallAttempt.round_id == FollowUp.round_id, CallAttempt.tenant_id == FollowUp.tenant_id)
        .correlate(FollowUp).scalar_subquery())
    mine = FollowUp.assignee_id == viewer.user_id
    statement = (
        select(FollowUp, User.display_name, Tenant.civility, Tenant.first_name, Tenant.last_name, Tenant.site,
               attempts)
        .outerjoin(Tenant, Tenant.id == FollowUp.tenant_id).outerjoin(User, User.id == FollowUp.assignee_id)
        .where(visible(viewer), FollowUp.status.in_(OPEN_STATUSES), *where.conditions())
        .order_by(*_overdue_first(viewer), case((mine, 0), else_=1), PRIORITY_RANK, FollowUp.due_at,
                  FollowUp.id).limit(limit))
    with veille.session_factory() as session:
        rows = session.execute(statement).all()
    return [TaskRow(task.id, task.reason, task.priority, task.due_at, task.created_at, task.status,
                    task.assignee_id == viewer.user_id, assignee, _name(civility, first, last), site, count)
            for task, assignee, civility, first, last, site, count in rows]


@dataclass(frozen=True)
class PaperRow:
    name: str
    phones: list[str]
    reason: str
    priority: str
    due_at: datetime
    site: str | None
    caretaker: str | None


def may_act(viewer: Viewer, task: FollowUp) -> bool:
    """Who may act on a task, and see its tenant's numbers: its holder, or the landlord's staff."""
    return task.assignee_id == viewer.user_id or viewer.sees_whole_landlord


def paper_list(veille: Runtime, viewer: Viewer, now: datetime) -> list[PaperRow]:
    """Open tasks with what is needed to call: a volunteer's own, or a coordinator's whole
    scope. Full numbers only where the card would show them (the task's holder, the landlord's
    staff): a partner's coordinator gets the list without them. Audited: numbers leave the screen."""
    scope = FollowUp.assignee_id == viewer.user_id if viewer.role == Role.VOLUNTEER else visible(viewer)
    with veille.session_factory.begin() as session:
        rows = session.execute(
            select(FollowUp, Tenant).outerjoin(Tenant, Tenant.id == FollowUp.tenant_id)
            .where(scope, FollowUp.status.in_(OPEN_STATUSES))
            .order_by(PRIORITY_RANK, FollowUp.due_at, FollowUp.id)).all()
        audit.add(session, now, organisation_id=viewer.organisation_id,
                  actor=session.get(User, viewer.user_id), action="follow_up.exported",
                  subject_type="follow_up", details={"count": len(rows)})
    def numbers(task: FollowUp, tenant: Tenant | None) -> list[str]:
        shown = tenant is not None and may_act(viewer, task)
        return tenant.numbers if shown else []

    return [PaperRow(_name(t.civility, t.first_name, t.last_name) if t else "Appelant inconnu",
                     numbers(task, t), task.reason, task.priority,
                     task.due_at, t.site if t else None, t.caretaker if t else None)
            for task, t in rows]


def _overdue_first(viewer: Viewer) -> tuple:
    return (case((FollowUp.raised_at.is_not(None), 0), else_=1),) if viewer.sees_whole_landlord else ()


def _name(civility: str | None, first: str | None, last: str | None) -> str:
    if last is None:
        return "Appelant inconnu"
    return " ".join(part for part in (civility, first, last) if part)


def dashboard(veille: Runtime, viewer: Viewer, now: datetime) -> Dashboard:
    """Counts of open, urgent, overdue and offered tasks the viewer sees."""
    is_open = FollowUp.status.in_(OPEN_STATUSES)
    with veille.session_factory() as session:
        row = session.execute(select(
            func.count(FollowUp.id),
            func.count(case((FollowUp.priority == Priority.URGENT.value, 1))),
            func.count(case((FollowUp.due_at < now, 1))),
            func.count(case((FollowUp.assignee_id.is_(None), 1))),
        ).where(visible(viewer), is_open)).one()
        human_calls = session.scalar(select(func.count(FollowUp.id)).where(
            visible(viewer), FollowUp.reason == Reason.REGULAR_CALL, FollowUp.status == Status.DONE,
            FollowUp.completed_at >= now - timedelta(days=7))) or 0
    return Dashboard(*row, human_calls_this_week=human_calls)


@dataclass(frozen=True)
class CurrentRound:
    id: int
    campaign_name: str
    starts_at: datetime
    ends_at: datetime
    planned: int
    done: int


def current_rounds(veille: Runtime, landlord_ids: tuple[int, ...], now: datetime) -> list[CurrentRound]:
    """Rounds under way (planned, not closed) of these landlords, with calls settled so far."""
    with veille.session_factory() as session:
        rows = session.execute(
            select(Round, Campaign.name).join(Campaign, Campaign.id == Round.campaign_id)
            .where(Campaign.organisation_id.in_(landlord_ids), Round.status == "planned",
                   Round.starts_at <= now).order_by(Round.starts_at.desc()).limit(5)).all()
        result = []
        for round_, name in rows:
            done = session.scalar(select(func.count(CallAttempt.id)).where(
                CallAttempt.round_id == round_.id, CallAttempt.outcome.is_not(None))) or 0
            result.append(CurrentRound(round_.id, name, round_.starts_at, round_.ends_at,
                                       round_.planned_count, done))
    return result


@dataclass(frozen=True)
class BoardOptions:
    sites: list[str]
    volunteers: list[tuple[int, str]]
    partners: list[tuple[int, str]]


def board_options(veille: Runtime, viewer: Viewer) -> BoardOptions:
    """What a coordinator's board can be filtered by and tasks handed to."""
    landlord = viewer.landlord_ids[0] if viewer.landlord_ids else None
    with veille.session_factory() as session:
        partners = partner_ids(session, landlord) if landlord else []
        sites = list(session.scalars(select(Tenant.site).where(
            Tenant.organisation_id.in_(viewer.landlord_ids), Tenant.site.is_not(None))
            .distinct().order_by(Tenant.site)))
        volunteers = [tuple(r) for r in session.execute(select(User.id, User.display_name).where(
            User.organisation_id.in_([landlord, *partners]), User.role == Role.VOLUNTEER,
            User.active.is_(True)).order_by(User.display_name))]
        names = [tuple(r) for r in session.execute(select(Organisation.id, Organisation.name).where(
            Organisation.id.in_(partners)).order_by(Organisation.name))]
    return BoardOptions(sites, volunteers, names)
