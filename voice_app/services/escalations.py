"""Open follow-up tasks for a person, idempotently (one task per cause)."""

from __future__ import annotations

import logging
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
from voice_app.domain.working_hours import WorkingHours
from voice_app.services.volunteers import is_available

log = logging.getLogger("veille.escalation")


def follow_up_key(reason: Reason, *, tenant_id: int | None, attempt_id: int | None = None,
                  round_id: int | None = None) -> str:
    """The cause of a task: the same cause seen twice (retried webhook) gives the same key."""
    if attempt_id is not None:
        return f"attempt:{attempt_id}:{reason}"
    if round_id is not None:
        return f"round:{round_id}:tenant:{tenant_id}:{reason}"
    raise ValueError("a follow-up needs an attempt or a round as its cause")


def _tenant_volunteer(session: Session, tenant_id: int | None, now: datetime) -> int | None:
    """The tenant's own volunteer when active and not away today; else None (offered to all)."""
    if tenant_id is None:
        return None
    volunteer_id = session.scalar(select(Tenant.assigned_volunteer_id).where(Tenant.id == tenant_id))
    return volunteer_id if is_available(session, volunteer_id, paris_date(now)) else None


def open_follow_up(session: Session, *, organisation_id: int, tenant_id: int | None,
                   reason: Reason, now: datetime, attempt_id: int | None = None,
                   round_id: int | None = None) -> FollowUp:
    """Create the follow-up for this cause, or return the one that exists (no commit here:
    the caller's transaction owns it, so the task and the outcome land together)."""
    key = follow_up_key(reason, tenant_id=tenant_id, attempt_id=attempt_id, round_id=round_id)
    existing = session.scalar(select(FollowUp).where(FollowUp.dedup_key == key))
    if existing is not None:
        return existing
    organisation = session.get(Organisation, organisation_id)
    hours = WorkingHours.from_settings(organisation.settings if organisation else None)
    escalation = escalate(reason, now, hours)
    assignee_id = _tenant_volunteer(session, tenant_id, now)
    follow_up = FollowUp(
        organisation_id=organisation_id, tenant_id=tenant_id, attempt_id=attempt_id,
        round_id=round_id, dedup_key=key, reason=str(escalation.reason),
        priority=str(escalation.priority), due_at=escalation.due_at, status="open",
        assignee_id=assignee_id, created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(follow_up)
    except IntegrityError:  # another process opened it first: theirs is the one
        return session.scalar(select(FollowUp).where(FollowUp.dedup_key == key))
    log.info("follow_up.opened reason=%s priority=%s tenant_id=%s", reason, escalation.priority,
             tenant_id)
    return follow_up
