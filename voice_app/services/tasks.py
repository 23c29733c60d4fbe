"""What a person does with one follow-up: open its card, claim it, record the outcome,
try again later, reveal the number, hand it to someone else.

Every change is one conditional UPDATE on the task (state and holder in the WHERE clause),
so two people acting at once never both win: the loser changes nothing and is told why.
A volunteer who lost a race (the task was taken or handed to someone else since they opened
it) is told so (TaskMoved), unlike one asking for a task they never could see (TaskNotFound).
The same form sent twice (a double tap, a slow network) changes nothing the second time and
is not an error (AlreadyRecorded). Every view and change is audited.
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

from db.models import AuditEvent
from db.models import CallAttempt
from db.models import FollowUp
from db.models import KeyPress
from db.models import Organisation
from db.models import Tenant
from db.models import User
from voice_app.domain.calendar import paris_date
from voice_app.domain.eligibility import age_in_year
from voice_app.domain.escalation import Reason
from voice_app.domain.escalation import escalate
from voice_app.domain.follow_up import COORDINATOR_REASONS
from voice_app.domain.follow_up import DEFAULT_HUMAN_CALL_DAYS
from voice_app.domain.follow_up import REFUSALS
from voice_app.domain.follow_up import Outcome
from voice_app.domain.follow_up import Status
from voice_app.domain.follow_up import TaskEvent
from voice_app.domain.follow_up import TaskRefused
from voice_app.domain.follow_up import TaskState
from voice_app.domain.follow_up import apply
from voice_app.domain.follow_up import outcome_problems
from voice_app.domain.follow_up import task_state
from voice_app.domain.people import SESSION_ABSOLUTE_LIMIT
from voice_app.domain.people import Role
from voice_app.domain.people import Viewer
from voice_app.domain.phones import mask_phone
from voice_app.domain.working_hours import WorkingHours
from voice_app.services import audit
from voice_app.services import bridged_calls
from voice_app.services import figure_counts
from voice_app.services.follow_ups import may_act
from voice_app.services.follow_ups import visible
from voice_app.services.ports import Runtime
from voice_app.services.volunteers import is_available
from voice_app.services.volunteers import pool_organisation_ids

log = logging.getLogger("veille.tasks")

HOUSEHOLD_LABELS = {"alone": "vit seul(e)", "couple": "en couple", "other": "autre"}
RETRY_DELAY = timedelta(hours=2)  # "not reached": tried again after two working hours
HISTORY = 10
# A form sent again within this time (a double tap, a phone's slow network) is a repeat; a
# second real call to a tenant who did not answer takes longer than that.
REPEAT_WINDOW = timedelta(minutes=2)

TAKEN = REFUSALS[TaskEvent.CLAIM]
REASSIGNED = "Ce suivi a été confié à quelqu’un d’autre."
RELEASED = "Ce suivi a été remis à tous les bénévoles : prenez-le à nouveau pour continuer."
CLOSED = REFUSALS[TaskEvent.COMPLETE]
NOT_REACHED_NO_CALLS = ("Locataire non joint : il n’a pas pu demander d’appels réguliers ; cochez cette case "
                        "quand vous lui aurez parlé.")
USE_TRY_LATER = "Locataire non joint : utilisez « réessayer plus tard »."
# A repeat is told in neutral words: what was sent first counted.
ALREADY_YOURS = "Ce suivi est déjà à vous."
ALREADY_NOTED = "Cet essai était déjà noté"  # the page adds the due time
ALREADY_CLOSED = "Déjà enregistré : ce suivi est clos. Merci !"


class TaskNotFound(LookupError):
    """No such task for this person (the page answers 404, as if it did not exist)."""


class TaskMoved(TaskRefused):
    """The task went to someone else, or back to all, since this volunteer could see it: they
    lost a race and are told so (409), without the audit line of someone prying (404)."""


class AlreadyRecorded(TaskRefused):
    """The same thing was just recorded (the form sent twice): nothing changed, nothing is wrong.
    `due`: the task's due time after a "not reached" recorded once."""

    def __init__(self, message: str, due: datetime | None = None) -> None:
        super().__init__(message)
        self.due = due


class OutcomeInvalid(ValueError):
    """`fields`: the problems under the form field to change ("": the outcome as a whole)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        self.problems = [problem for problems in fields.values() for problem in problems]
        super().__init__(" ".join(self.problems))


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


def _viewer_task(session: Session, viewer: Viewer, task_id: int, now: datetime | None = None,
                 moved: str = REASSIGNED) -> FollowUp:
    """The task if this viewer may see it; else TaskMoved (`moved`) when they could see it
    lately (given `now`), TaskNotFound otherwise."""
    task = session.scalar(select(FollowUp).where(FollowUp.id == task_id, visible(viewer)))
    if task is None:
        if now is not None and _seen_lately(session, viewer, task_id, now):
            raise TaskMoved(moved)
        raise TaskNotFound(task_id)
    return task


def _seen_lately(session: Session, viewer: Viewer, task_id: int, now: datetime) -> bool:
    """Whether a volunteer could see this task of their landlord during their session: they
    opened it, or it was offered to all until a claim. Only then are they told that it moved;
    another organisation's task, a coordinators' one, or one never offered to them stays a 404."""
    if viewer.role != Role.VOLUNTEER:
        return False
    task = session.get(FollowUp, task_id)
    if task is None or task.organisation_id not in viewer.landlord_ids or task.reason in COORDINATOR_REASONS:
        return False
    since = now - SESSION_ABSOLUTE_LIMIT  # the page they act from was shown in this session
    if task.claimed_at is not None and task.claimed_at >= since:
        return True
    return _audited_since(session, viewer, task_id, "follow_up.viewed", since)


def _audited_since(session: Session, viewer: Viewer, task_id: int, action: str, since: datetime) -> bool:
    """Whether the audit log has `action` by this viewer on this task since `since`."""
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.at >= since, AuditEvent.action == action, AuditEvent.subject_type == "follow_up",
        AuditEvent.subject_id == task_id, AuditEvent.actor_id == viewer.user_id).limit(1)) is not None


def _fresh(session: Session, task_id: int) -> FollowUp:
    """The task as committed now (after a conditional UPDATE that changed nothing)."""
    return session.execute(select(FollowUp).where(FollowUp.id == task_id)
                           .execution_options(populate_existing=True)).scalar_one()


def _held_by(assignee_id: int | None):
    """A WHERE clause: the task still has the holder read before the change."""
    return FollowUp.assignee_id.is_(None) if assignee_id is None else FollowUp.assignee_id == assignee_id


def _refusal(viewer: Viewer, task: FollowUp) -> TaskRefused:
    """Why a change found the task otherwise than it was read: closed, or no longer theirs."""
    if task.status == Status.DONE:
        return TaskRefused(CLOSED)
    if not may_act(viewer, task):
        return TaskMoved(RELEASED if task.assignee_id is None else REASSIGNED)
    return TaskRefused("Ce suivi vient d’être modifié : rechargez la page.")


def load_card(veille: Runtime, viewer: Viewer, task_id: int) -> TaskCard:
    """The task with its tenant's card and history; audited as a view."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id, now)
        tenant = session.get(Tenant, task.tenant_id) if task.tenant_id else None
        assignee = session.get(User, task.assignee_id) if task.assignee_id else None
        calls = _calls(session, tenant.id) if tenant else []
        history = list(session.scalars(select(FollowUp).where(
            FollowUp.tenant_id == task.tenant_id, FollowUp.id != task.id)
            .order_by(FollowUp.created_at.desc()).limit(HISTORY))) if tenant else []
        bridged = bridged_calls.latest(session, task.id)
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.viewed", subject_type="follow_up", subject_id=task.id)
        state = task_state(task.status, task.assignee_id)
        return TaskCard(
            task=task, tenant=tenant,
            age=age_in_year(tenant.birth_year, paris_date(now)) if tenant and tenant.birth_year else None,
            household=HOUSEHOLD_LABELS.get(tenant.household, "") if tenant else "",
            masked_phone=mask_phone(tenant.phone) if tenant and tenant.phone else "aucun numéro",
            assignee_name=assignee.display_name if assignee else None, calls=calls, history=history,
            bridged=bridged, may_act=may_act(viewer, task) and state != TaskState.DONE,
            may_claim=viewer.role == Role.VOLUNTEER and state == TaskState.OFFERED)


def _calls(session: Session, tenant_id: int) -> list[PastCall]:
    attempts = session.scalars(select(CallAttempt).where(CallAttempt.tenant_id == tenant_id)
                               .order_by(CallAttempt.id.desc()).limit(HISTORY)).all()
    keys: dict[int, list[str]] = {}
    for attempt_id, meaning in session.execute(select(KeyPress.attempt_id, KeyPress.meaning).where(
            KeyPress.attempt_id.in_([a.id for a in attempts])).order_by(KeyPress.id)):
        keys.setdefault(attempt_id, []).append(meaning)
    return [PastCall(a.answered_at or a.dialled_at or a.due_at, a.outcome, a.state, keys.get(a.id, []))
            for a in attempts]


def _actor(session: Session, viewer: Viewer) -> User | None:
    return session.get(User, viewer.user_id)


def reveal_phone(veille: Runtime, viewer: Viewer, task_id: int) -> list[str]:
    """The tenant's numbers in full, for the holder or a coordinator; audited."""
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id, veille.clock())
        if not may_act(viewer, task):
            raise TaskRefused("Prenez ce suivi pour voir le numéro du locataire.")
        tenant = session.get(Tenant, task.tenant_id) if task.tenant_id else None
        audit.add(session, veille.clock(), organisation_id=task.organisation_id,
                  actor=_actor(session, viewer), action="tenant.phone_revealed", subject_type="tenant",
                  subject_id=task.tenant_id)
        return tenant.numbers if tenant else []


def claim(veille: Runtime, viewer: Viewer, task_id: int, *, keep_tenant: bool = True) -> None:
    """Take an offered task: one conditional UPDATE, so of two volunteers only one wins
    (TaskMoved for the other). The claimer becomes the tenant's volunteer unless not
    `keep_tenant`. A second tap by the holder changes nothing (AlreadyRecorded)."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _viewer_task(session, viewer, task_id, now, moved=TAKEN)
        if viewer.role != Role.VOLUNTEER:
            raise TaskRefused("Seul un bénévole peut prendre un suivi ; un coordinateur le confie.")
        if task.assignee_id == viewer.user_id and task.status != Status.DONE:
            raise AlreadyRecorded(ALREADY_YOURS)
        apply(task_state(task.status, task.assignee_id), TaskEvent.CLAIM)
        moved = [task.tenant_id] if keep_tenant and task.tenant_id else []
        # The figures read before the contested UPDATE: the losers wait on its row lock for less.
        with (figure_counts.tenants_regrouped(session, moved) if moved
              else figure_counts.follow_ups_changing(session, FollowUp.id == task_id)):
            won = session.execute(update(FollowUp).where(
                FollowUp.id == task_id, FollowUp.status == Status.OPEN, FollowUp.assignee_id.is_(None))
                .values(assignee_id=viewer.user_id, status=Status.CLAIMED, claimed_at=now)).rowcount
            if not won:  # raised inside: the figures read before the UPDATE must not be written
                raise _claim_lost(session, viewer, task_id)
            if moved:
                session.execute(update(Tenant).where(Tenant.id == task.tenant_id)
                                .values(assigned_volunteer_id=viewer.user_id))
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.claimed", subject_type="follow_up", subject_id=task_id,
                  details={"keeps_tenant": keep_tenant})
    log.info("follow_up.claimed follow_up_id=%s user_id=%s", task_id, viewer.user_id)


def _claim_lost(session: Session, viewer: Viewer, task_id: int) -> TaskRefused:
    if _fresh(session, task_id).assignee_id == viewer.user_id:
        return AlreadyRecorded(ALREADY_YOURS)  # their own first tap won
    return TaskMoved(TAKEN)


def _acting_on(session: Session, viewer: Viewer, task_id: int, now: datetime) -> FollowUp:
    """The task this viewer may act on (its holder, or a landlord's coordinator). A volunteer
    whose task went to someone else, or back to all, meanwhile gets TaskMoved."""
    task = _viewer_task(session, viewer, task_id, now)
    if not may_act(viewer, task):
        if viewer.role == Role.VOLUNTEER:  # they see it, so it is offered to all: nothing to hide
            raise TaskMoved(RELEASED)
        raise TaskNotFound(task_id)
    return task


def _hours(session: Session, organisation_id: int) -> WorkingHours:
    organisation = session.get(Organisation, organisation_id)
    return WorkingHours.from_settings(organisation.settings if organisation else None)


def outcome_problems_by_field(outcome: Outcome, today: date) -> dict[str, list[str]]:
    """The domain's problems with an outcome, each under the form field to change. The domain
    checks each field against `reached` alone, so each is checked on its own; a problem found
    only on the whole goes under ""."""
    by_field = {
        "referrals": outcome_problems(Outcome(outcome.reached, outcome.referrals), today),
        "note": outcome_problems(Outcome(False, note=outcome.note), today),
        "next_contact_on": outcome_problems(Outcome(False, next_contact_on=outcome.next_contact_on), today),
        "wants_regular_calls": [NOT_REACHED_NO_CALLS] if outcome.wants_regular_calls and not outcome.reached
        else [],
    }
    placed = {problem for problems in by_field.values() for problem in problems}
    by_field[""] = [problem for problem in outcome_problems(outcome, today) if problem not in placed]
    return {name: problems for name, problems in by_field.items() if problems}


def record_not_reached(veille: Runtime, viewer: Viewer, task_id: int, outcome: Outcome) -> datetime:
    """"Not reached" from the outcome form: the note is kept on the task for the next try and a
    next contact day sets the due time; a referral or regular calls are refused (nobody was
    spoken to), rather than dropped."""
    problems = outcome_problems_by_field(outcome, paris_date(veille.clock()))
    if problems:
        raise OutcomeInvalid(problems)
    return try_again_later(veille, viewer, task_id, note=outcome.note, day=outcome.next_contact_on)


def try_again_later(veille: Runtime, viewer: Viewer, task_id: int, *,
                    note: str | None = None, day: date | None = None) -> datetime:
    """Not reached: the holder keeps the task, due again after two working hours, or by the end
    of the working day `day`. `note`, when given, replaces the task's note. The
    same request sent again within REPEAT_WINDOW counts no second attempt (AlreadyRecorded)."""
    now = veille.clock()
    with veille.session_factory.begin() as session:
        task = _acting_on(session, viewer, task_id, now)
        apply(task_state(task.status, task.assignee_id), TaskEvent.RESCHEDULE)
        if _just_not_reached(session, viewer, task, note, now):
            raise AlreadyRecorded(ALREADY_NOTED, due=task.due_at)
        due = _retry_due(_hours(session, task.organisation_id), now, day)
        values = {"due_at": due, "raised_at": None, "contact_attempts": FollowUp.contact_attempts + 1}
        if note is not None:
            values["note"] = note.strip() or None
        # The attempts read are in the WHERE clause: of the same form sent twice at once, one counts.
        done = session.execute(update(FollowUp).where(
            FollowUp.id == task_id, FollowUp.status != Status.DONE, _held_by(task.assignee_id),
            FollowUp.contact_attempts == task.contact_attempts).values(**values)).rowcount
        if not done:
            raise _retry_lost(session, viewer, task_id)
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.not_reached", subject_type="follow_up", subject_id=task_id)
    log.info("follow_up.rescheduled follow_up_id=%s", task_id)
    return due


def _retry_due(hours: WorkingHours, now: datetime, day: date | None) -> datetime:
    when = hours.end_of_day(hours.opening(day)) if day is not None else None  # that working day (or the next)
    return when if when and when > now else hours.add(now, RETRY_DELAY)


def _just_not_reached(session: Session, viewer: Viewer, task: FollowUp, note: str | None,
                      now: datetime) -> bool:
    """Whether this person recorded "not reached" on this task within REPEAT_WINDOW, with this
    note: the same form sent again."""
    if note is not None and (note.strip() or None) != task.note:
        return False
    return _audited_since(session, viewer, task.id, "follow_up.not_reached", now - REPEAT_WINDOW)


def _retry_lost(session: Session, viewer: Viewer, task_id: int) -> TaskRefused:
    task = _fresh(session, task_id)
    if task.status != Status.DONE and may_act(viewer, task):  # a "not reached" sent at the same time
        return AlreadyRecorded(ALREADY_NOTED, due=task.due_at)
    return _refusal(viewer, task)


def _completed_alike(task: FollowUp, viewer: Viewer, outcome: Outcome, now: datetime) -> bool:
    """Whether this person closed the task within REPEAT_WINDOW with this very outcome."""
    return (task.status == Status.DONE and task.completed_by_id == viewer.user_id
            and task.completed_at is not None and task.completed_at >= now - REPEAT_WINDOW
            and task.reached is True and task.referrals == sorted(str(r) for r in outcome.referrals)
            and bool(task.wants_regular_calls) == outcome.wants_regular_calls
            and task.note == (outcome.note.strip() or None)
            and task.next_contact_on == outcome.next_contact_on)


def record_outcome(veille: Runtime, viewer: Viewer, task_id: int, outcome: Outcome) -> None:
    """Close the task with what was done; a tenant who wants regular calls gets their next one."""
    now = veille.clock()
    problems = outcome_problems_by_field(outcome, paris_date(now))
    if problems:
        raise OutcomeInvalid(problems)
    if not outcome.reached:
        raise OutcomeInvalid({"reached": [USE_TRY_LATER]})
    with veille.session_factory.begin() as session:
        task = _acting_on(session, viewer, task_id, now)
        if _completed_alike(task, viewer, outcome, now):
            raise AlreadyRecorded(ALREADY_CLOSED)
        apply(task_state(task.status, task.assignee_id), TaskEvent.COMPLETE)
        with figure_counts.follow_ups_changing(session, FollowUp.id == task_id):
            closed = session.execute(update(FollowUp).where(
                FollowUp.id == task_id, FollowUp.status != Status.DONE, _held_by(task.assignee_id)).values(
                status=Status.DONE, completed_at=now, completed_by_id=viewer.user_id, reached=True,
                referrals=sorted(str(r) for r in outcome.referrals),
                wants_regular_calls=outcome.wants_regular_calls, note=outcome.note.strip() or None,
                next_contact_on=outcome.next_contact_on,
                assignee_id=task.assignee_id or viewer.user_id)).rowcount
        if not closed:  # someone acted in between: the same form sent twice, or another person
            fresh = _fresh(session, task_id)
            if _completed_alike(fresh, viewer, outcome, now):
                raise AlreadyRecorded(ALREADY_CLOSED)
            raise _refusal(viewer, fresh)
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
    """The regular human call of `day` for this tenant (once per tenant and day), for their
    volunteer unless away or inactive that day: then offered to all, since the automated call
    it replaces will not ring either."""
    if not is_available(session, volunteer_id, day):
        volunteer_id = None
    hours = _hours(session, tenant.organisation_id)
    start = hours.next_open_moment(hours.opening(day)) if hours.is_working_day(day) \
        else hours.opening(hours.next_working_day(day))
    escalation = escalate(Reason.REGULAR_CALL, start, hours)
    task = FollowUp(organisation_id=tenant.organisation_id, tenant_id=tenant.id,
                    dedup_key=f"regular:{tenant.id}:{day.isoformat()}", reason=str(Reason.REGULAR_CALL),
                    priority=str(escalation.priority), due_at=escalation.due_at, status=Status.OPEN,
                    assignee_id=volunteer_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        return None
    figure_counts.follow_up_opened(session, task)
    return task


def set_human_calls(veille: Runtime, viewer: Viewer, tenant_id: int, every_days: int | None,
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


def reassign(veille: Runtime, viewer: Viewer, task_id: int, volunteer_id: int | None) -> None:
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
            session.execute(update(FollowUp).where(FollowUp.id == task_id, FollowUp.status != Status.DONE)
                            .values(assignee_id=volunteer_id,
                                    status=Status.CLAIMED if volunteer_id else Status.OPEN))
        audit.add(session, now, organisation_id=task.organisation_id, actor=_actor(session, viewer),
                  action="follow_up.reassigned", subject_type="follow_up", subject_id=task_id,
                  details={"to": volunteer_id})


def reassign_all(veille: Runtime, viewer: Viewer, from_volunteer_id: int, to_volunteer_id: int | None) -> int:
    """Hand every open task of a volunteer (away, leaving) to another, or offer them to all."""
    with veille.session_factory() as session:
        task_ids = list(session.scalars(select(FollowUp.id).where(
            visible(viewer), FollowUp.assignee_id == from_volunteer_id, FollowUp.status != Status.DONE)))
    for task_id in task_ids:
        reassign(veille, viewer, task_id, to_volunteer_id)
    log.info("follow_up.bulk_reassigned count=%d", len(task_ids))
    return len(task_ids)
