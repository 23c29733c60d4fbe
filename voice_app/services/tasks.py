"""What a person does with one follow-up: open its card, claim it, record the outcome,
try again later, reveal the number, hand it to someone else.

Every change is one conditional UPDATE on the task (state and holder in the WHERE clause),
so two people acting at once never both win: the loser changes nothing and is told why.
Every view and change is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import BridgedCall
from db.models import CallAttempt
from db.models import FollowUp
from db.models import Organisation
from db.models import Response
from db.models import Tenant
from db.models import User
from voice_app.bootstrap import Veille
from voice_app.domain.calendar import paris_date
from voice_app.domain.eligibility import age_in_year
from voice_app.domain.escalation import Reason
from voice_app.domain.escalation import escalate
from voice_app.domain.follow_up import DEFAULT_HUMAN_CALL_DAYS
from voice_app.domain.follow_up import Outcome
from voice_app.domain.follow_up import TaskEvent
from voice_app.domain.follow_up import TaskRefused
from voice_app.domain.follow_up import apply
from voice_app.domain.follow_up import outcome_problems
from voice_app.domain.follow_up import task_state
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.domain.phones import mask_phone
from voice_app.domain.working_hours import WorkingHours
from voice_app.services import audit
from voice_app.services import figure_counts
from voice_app.services.follow_ups import visible
from voice_app.services.volunteers import pool_organisation_ids

log = logging.getLogger("veille.tasks")

HOUSEHOLD_LABELS = {"alone": "vit seul(e)", "couple": "en couple", "other": "autre"}
RETRY_DELAY = timedelta(hours=2)  # "not reached": tried again after two working hours
HISTORY = 10


class TaskNotFound(LookupError):
    """No such task for this person (the page answers 404, as if it did not exist)."""


class OutcomeInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PastCall:
    at: datetime | None
    outcome: str | None
    state: str
    keys: list[str]


@dataclass(frozen=True)
class TaskCard:
    task: FollowUp
    tenant: Tenant | None
    age: int | None
    household: str
    masked_phone: str
    assignee_name: str | None
    calls: list[PastCall]
    history: list[FollowUp]
    bridged: list
    may_act: bool  # may record the outcome, try later, call (the holder, or a landlord's coordinator)
    may_claim: bool


def _viewer_task(session: Session, viewer: Viewer, task_id: int) -> FollowUp:
    task = session.scalar(select(FollowUp).where(FollowUp.id == task_id, visible(viewer)))
    if task is None:
        raise TaskNotFound(task_id)
    return task


def _may_act(viewer: Viewer, task: FollowUp) -> bool:
    return task.assignee_id == viewer.user_id or viewer.sees_whole_landlord


def load_card(veille: Veille, viewer: Viewer, task_id: int) -> TaskCard:
    """The task with its tenant's card and history; audited as a view."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id)
        tenant = session.get(Tenant, task.tenant_id) if task.tenant_id else None
        assignee = session.get(User, task.assignee_id) if task.assignee_id else None
        calls = _calls(session, tenant.id) if tenant else []
        history = list(session.scalars(select(FollowUp).where(
            FollowUp.tenant_id == task.tenant_id, FollowUp.id != task.id)
            .order_by(FollowUp.created_at.desc()).limit(HISTORY))) if tenant else []
        bridged = list(session.scalars(select(BridgedCall).where(BridgedCall.follow_up_id == task.id)
                                       .order_by(BridgedCall.id.desc()).limit(5)))
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.viewed", subject_type="follow_up", subject_id=task.id)
        state = task_state(task.status, task.assignee_id)
        return TaskCard(
            task=task, tenant=tenant,
            age=age_in_year(tenant.birth_year, paris_date(now)) if tenant and tenant.birth_year else None,
            household=HOUSEHOLD_LABELS.get(tenant.household, "") if tenant else "",
            masked_phone=mask_phone(tenant.phone) if tenant and tenant.phone else "aucun numéro",
            assignee_name=assignee.display_name if assignee else None, calls=calls, history=history,
            bridged=bridged, may_act=_may_act(viewer, task) and state.value != "done",
            may_claim=viewer.role == Role.VOLUNTEER and state.value == "offered")


def _calls(session: Session, tenant_id: int) -> list[PastCall]:
    attempts = session.scalars(select(CallAttempt).where(CallAttempt.tenant_id == tenant_id)
                               .order_by(CallAttempt.id.desc()).limit(HISTORY)).all()
    keys: dict[int, list[str]] = {}
    for attempt_id, meaning in session.execute(select(Response.attempt_id, Response.meaning).where(
            Response.attempt_id.in_([a.id for a in attempts])).order_by(Response.id)):
        keys.setdefault(attempt_id, []).append(meaning)
    return [PastCall(a.answered_at or a.dialled_at or a.due_at, a.outcome, a.state, keys.get(a.id, []))
            for a in attempts]


def _actor(session: Session, viewer: Viewer) -> User | None:
    return session.get(User, viewer.user_id)


def reveal_phone(veille: Veille, viewer: Viewer, task_id: int) -> list[str]:
    """The tenant's numbers in full, for the holder or a coordinator; audited."""
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id)
        if not _may_act(viewer, task):
            raise TaskRefused("Prenez ce suivi pour voir le numéro du locataire.")
        tenant = session.get(Tenant, task.tenant_id) if task.tenant_id else None
        audit.add(session, veille.clock(), organisation_id=task.organisation_id,
                  actor=_actor(session, viewer), action="tenant.phone_revealed", subject_type="tenant",
                  subject_id=task.tenant_id)
        return [n for n in ((tenant.phone, tenant.phone2) if tenant else ()) if n]


def claim(veille: Veille, viewer: Viewer, task_id: int, *, keep_tenant: bool = True) -> None:
    """Take an offered task: one conditional UPDATE, so of two volunteers only one wins
    (TaskRefused for the other). The claimer becomes the tenant's volunteer unless not
    `keep_tenant`."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id)
        if viewer.role != Role.VOLUNTEER:
            raise TaskRefused("Seul un bénévole peut prendre un suivi ; un coordinateur le confie.")
        apply(task_state(task.status, task.assignee_id), TaskEvent.CLAIM)
        moved = [task.tenant_id] if keep_tenant and task.tenant_id else []
        # The figures read before the contested UPDATE: the losers wait on its row lock for less.
        with (figure_counts.tenants_regrouped(session, moved) if moved
              else figure_counts.follow_ups_changing(session, FollowUp.id == task_id)):
            won = session.execute(update(FollowUp).where(
                FollowUp.id == task_id, FollowUp.status == "open", FollowUp.assignee_id.is_(None))
                .values(assignee_id=viewer.user_id, status="claimed", claimed_at=now)).rowcount
            if not won:
                raise TaskRefused("Ce suivi vient d’être pris par un autre bénévole.")
            if moved:
                session.execute(update(Tenant).where(Tenant.id == task.tenant_id)
                                .values(assigned_volunteer_id=viewer.user_id))
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.claimed", subject_type="follow_up", subject_id=task_id,
                  details={"keeps_tenant": keep_tenant})
    log.info("follow_up.claimed follow_up_id=%s user_id=%s", task_id, viewer.user_id)


def _held(session: Session, viewer: Viewer, task_id: int, event: TaskEvent) -> FollowUp:
    task = _viewer_task(session, viewer, task_id)
    if not _may_act(viewer, task):
        raise TaskNotFound(task_id)
    apply(task_state(task.status, task.assignee_id), event)
    return task


def _hours(session: Session, organisation_id: int) -> WorkingHours:
    organisation = session.get(Organisation, organisation_id)
    return WorkingHours.from_settings(organisation.settings if organisation else None)


def try_again_later(veille: Veille, viewer: Viewer, task_id: int, when: datetime | None = None) -> datetime:
    """Not reached: the holder keeps the task, due again after two working hours (or `when`)."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _held(session, viewer, task_id, TaskEvent.RESCHEDULE)
        due = when if when and when > now else _hours(session, task.organisation_id).add(now, RETRY_DELAY)
        done = session.execute(update(FollowUp).where(
            FollowUp.id == task_id, FollowUp.status != "done").values(
            due_at=due, raised_at=None, contact_attempts=FollowUp.contact_attempts + 1)).rowcount
        if not done:
            raise TaskRefused("Ce suivi est déjà clos.")
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.not_reached", subject_type="follow_up", subject_id=task_id)
    log.info("follow_up.rescheduled follow_up_id=%s", task_id)
    return due


def record_outcome(veille: Veille, viewer: Viewer, task_id: int, outcome: Outcome) -> None:
    """Close the task with what was done; a tenant who wants regular calls gets their next one."""
    now = veille.clock()
    problems = outcome_problems(outcome, paris_date(now))
    if problems:
        raise OutcomeInvalid(problems)
    if not outcome.reached:
        raise OutcomeInvalid(["Locataire non joint : utilisez « réessayer plus tard »."])
    with veille.session_factory.begin() as session:
        task = _held(session, viewer, task_id, TaskEvent.COMPLETE)
        with figure_counts.follow_ups_changing(session, FollowUp.id == task_id):
            closed = session.execute(update(FollowUp).where(
                FollowUp.id == task_id, FollowUp.status != "done").values(
                status="done", completed_at=now, completed_by_id=viewer.user_id, reached=True,
                referrals=sorted(str(r) for r in outcome.referrals),
                wants_regular_calls=outcome.wants_regular_calls, note=outcome.note.strip() or None,
                next_contact_on=outcome.next_contact_on,
                assignee_id=task.assignee_id or viewer.user_id)).rowcount
        if not closed:
            raise TaskRefused("Ce suivi est déjà clos.")
        if task.tenant_id:
            _plan_regular_calls(session, task, viewer, outcome, now)
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.completed", subject_type="follow_up", subject_id=task_id,
                  details={"referrals": len(outcome.referrals), "regular_calls": outcome.wants_regular_calls})
    log.info("follow_up.completed follow_up_id=%s", task_id)


def _plan_regular_calls(session: Session, task: FollowUp, viewer: Viewer, outcome: Outcome,
                        now: datetime) -> None:
    tenant = session.get(Tenant, task.tenant_id)
    if outcome.wants_regular_calls and tenant.human_call_every_days is None:
        tenant.human_call_every_days = DEFAULT_HUMAN_CALL_DAYS
    if tenant.human_call_every_days is None:
        return
    volunteer_id = tenant.assigned_volunteer_id or (viewer.user_id if viewer.role == Role.VOLUNTEER else None)
    if tenant.assigned_volunteer_id is None and volunteer_id:
        with figure_counts.tenants_regrouped(session, [tenant.id]):
            tenant.assigned_volunteer_id = volunteer_id
    day = outcome.next_contact_on or paris_date(now) + timedelta(days=tenant.human_call_every_days)
    open_regular_call(session, tenant, day, now, volunteer_id)


def open_regular_call(session: Session, tenant: Tenant, day: date, now: datetime,
                      volunteer_id: int | None) -> FollowUp | None:
    """The regular human call of `day` for this tenant (once per tenant and day)."""
    hours = _hours(session, tenant.organisation_id)
    start = hours.next_open_moment(hours.opening(day)) if hours.is_working_day(day) \
        else hours.opening(hours.next_working_day(day))
    escalation = escalate(Reason.REGULAR_CALL, start, hours)
    task = FollowUp(organisation_id=tenant.organisation_id, tenant_id=tenant.id,
                    dedup_key=f"regular:{tenant.id}:{day.isoformat()}", reason=str(Reason.REGULAR_CALL),
                    priority=str(escalation.priority), due_at=escalation.due_at, status="open",
                    assignee_id=volunteer_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        return None
    figure_counts.follow_up_opened(session, task)
    return task


def set_human_calls(veille: Veille, viewer: Viewer, tenant_id: int, every_days: int | None,
                    keep_automated: bool) -> None:
    """A coordinator's setting: regular human calls every N days (None: stop), and whether the
    automated call continues for this tenant."""
    if every_days is not None and not 1 <= every_days <= 90:
        raise ValueError("Le rythme des appels de convivialité est de 1 à 90 jours.")
    with veille.session_factory.begin() as session:
        tenant = session.get(Tenant, tenant_id)
        if (tenant is None or tenant.organisation_id not in viewer.landlord_ids
                or not viewer.sees_whole_landlord):
            raise TaskNotFound(tenant_id)
        tenant.human_call_every_days, tenant.keep_automated_calls = every_days, keep_automated
        audit.add(session, veille.clock(), organisation_id=tenant.organisation_id,
                  actor=_actor(session, viewer), action="tenant.human_calls_set", subject_type="tenant",
                  subject_id=tenant_id, details={"every_days": every_days, "keep_automated": keep_automated})


def reassign(veille: Veille, viewer: Viewer, task_id: int, volunteer_id: int | None) -> None:
    """A coordinator gives a task to a volunteer of the landlord or its partners (None: offer to all)."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id)
        if not viewer.sees_whole_landlord:
            raise TaskNotFound(task_id)
        event = TaskEvent.ASSIGN if volunteer_id else TaskEvent.RELEASE
        apply(task_state(task.status, task.assignee_id), event)
        if volunteer_id:
            user = session.get(User, volunteer_id)
            if (user is None or not user.active or user.role != Role.VOLUNTEER
                    or user.organisation_id not in pool_organisation_ids(session, task.organisation_id)):
                raise TaskRefused("Ce bénévole ne peut pas recevoir ce suivi.")
        with figure_counts.follow_ups_changing(session, FollowUp.id == task_id):
            session.execute(update(FollowUp).where(FollowUp.id == task_id, FollowUp.status != "done").values(
                assignee_id=volunteer_id, status="claimed" if volunteer_id else "open"))
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.reassigned", subject_type="follow_up", subject_id=task_id,
                  details={"to": volunteer_id})


def reassign_all(veille: Veille, viewer: Viewer, from_volunteer_id: int, to_volunteer_id: int | None) -> int:
    """Hand every open task of a volunteer (away, leaving) to another, or offer them to all."""
    with veille.session_factory() as session:
        task_ids = list(session.scalars(select(FollowUp.id).where(
            visible(viewer), FollowUp.assignee_id == from_volunteer_id, FollowUp.status != "done")))
    for task_id in task_ids:
        reassign(veille, viewer, task_id, to_volunteer_id)
    log.info("follow_up.bulk_reassigned count=%d", len(task_ids))
    return len(task_ids)
