"""Open follow-up tasks for a person, idempotently (one task per cause)."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import FollowUp
from db.models import Organisation
from db.models import Tenant
from voice_app.domain.calendar import paris_date
from voice_app.domain.escalation import Reason
from voice_app.domain.escalation import escalate
from voice_app.domain.follow_up import COORDINATOR_REASONS
from voice_app.domain.follow_up import Status
from voice_app.domain.outcomes import log_class
from voice_app.domain.working_hours import WorkingHours
from voice_app.services import figure_counts
from voice_app.services.volunteers import is_available

log = logging.getLogger("veille.escalation")

CALLER_KEY_PREFIX = b"veille-caller-v1:"


def follow_up_key(reason: Reason, *, tenant_id: int | None, attempt_id: int | None = None,
                  round_id: int | None = None, caller: str | None = None, day: date | None = None,
                  cause: str | None = None) -> str:
    """The cause of a task: the same cause seen twice (retried webhook) gives the same key.

    A call to the service number (`caller` given, "" when withheld) is keyed by the caller's
    number and the Paris `day`, not by the call: twenty calls from one number in a day open
    one task per reason, not twenty. The number itself never goes into the key."""
    if cause is not None:
        return f"{cause}:{reason}"
    if caller is not None and day is not None:
        digest = hashlib.sha256(CALLER_KEY_PREFIX + caller.encode()).hexdigest()[:32]
        return f"caller:{digest}:{day.isoformat()}:{reason}"
    if attempt_id is not None:
        return f"attempt:{attempt_id}:{reason}"
    if round_id is not None:
        return f"round:{round_id}:tenant:{tenant_id}:{reason}"
    raise ValueError("a follow-up needs an attempt, a round, a caller or a cause")


def _tenant_volunteer(session: Session, tenant_id: int | None, now: datetime) -> int | None:
    """The tenant's own volunteer when active and not away today; else None (offered to all)."""
    if tenant_id is None:
        return None
    volunteer_id = session.scalar(select(Tenant.assigned_volunteer_id).where(Tenant.id == tenant_id))
    return volunteer_id if is_available(session, volunteer_id, paris_date(now)) else None


def open_follow_up(session: Session, *, organisation_id: int, tenant_id: int | None,
                   reason: Reason, now: datetime, attempt_id: int | None = None,
                   round_id: int | None = None, caller: str | None = None,
                   cause: str | None = None) -> FollowUp:
    """Create the follow-up for this cause, or return the one that exists (no commit here:
    the caller's transaction owns it, so the task and the outcome land together)."""
    day = paris_date(now) if caller is not None else None
    key = follow_up_key(reason, tenant_id=tenant_id, attempt_id=attempt_id, round_id=round_id,
                        caller=caller, day=day, cause=cause)
    existing = session.scalar(select(FollowUp).where(FollowUp.dedup_key == key))
    if existing is not None and caller is not None:
        key, existing = _still_open_for_caller(session, key, existing)
    if existing is not None:
        return existing
    organisation = session.get(Organisation, organisation_id)
    hours = WorkingHours.from_settings(organisation.settings if organisation else None)
    escalation = escalate(reason, now, hours)
    # A coordinator's review (an opt-out, a wrong number) is nobody's task until a coordinator
    # gives it: the tenant's volunteer could not act on it.
    assignee_id = None if reason in COORDINATOR_REASONS else _tenant_volunteer(session, tenant_id, now)
    follow_up = FollowUp(
        organisation_id=organisation_id, tenant_id=tenant_id, attempt_id=attempt_id,
        round_id=round_id, dedup_key=key, reason=str(escalation.reason),
        priority=str(escalation.priority), due_at=escalation.due_at, status=Status.OPEN,
        assignee_id=assignee_id, created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(follow_up)
    except IntegrityError:  # another process opened it first: theirs is the one
        return session.scalar(select(FollowUp).where(FollowUp.dedup_key == key))
    figure_counts.follow_up_opened(session, follow_up)
    # The class only: a reason, or even a priority, next to a tenant id can be health data.
    log.info("follow_up.opened follow_up_id=%s tenant_id=%s class=%s", follow_up.id, tenant_id,
             log_class(reason))
    return follow_up


def _still_open_for_caller(session: Session, key: str, first: FollowUp) -> tuple[str, FollowUp | None]:
    """A caller's repeated calls join the task of the day while it is open; once a volunteer
    has done it, a new call about the same thing is a new need and opens a new task."""
    found, number = first, 1
    while found is not None and found.status == Status.DONE:
        number += 1
        found = session.scalar(select(FollowUp).where(FollowUp.dedup_key == f"{key}:{number}"))
    return (key if number == 1 else f"{key}:{number}"), found
