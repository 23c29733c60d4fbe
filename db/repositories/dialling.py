"""What the provider said about a claimed attempt, written back: each update is guarded so a
sweep or a fast callback that got there first is never overwritten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlalchemy import update
from sqlalchemy.orm import Session

from db.models import CallAttempt
from voice_app.domain.call_flow import State

ATTEMPTS = CallAttempt.__table__  # on the table: once per call, the ORM's bookkeeping is not needed


def give_back(session: Session, attempt_id: int) -> None:
    """Certainly not placed: due again, for whichever dispatcher claims it next."""
    session.execute(update(ATTEMPTS)
                    .where(ATTEMPTS.c.id == attempt_id, ATTEMPTS.c.state == State.CLAIMED,
                           ATTEMPTS.c.provider_call_id.is_(None))
                    .values(state=State.DUE, claimed_at=None, claimed_by=None))


def flag_for_reconciliation(session: Session, attempt_id: int, error: str) -> None:
    """Maybe placed: the sweep asks the provider, nobody re-dials blindly."""
    session.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id)
                    .values(needs_reconciliation=True, error=error[:200]))


def finish_claim(session: Session, attempt_id: int, **values) -> None:
    """Only a claim still held is finished: the sweep may have ended it meanwhile."""
    session.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id, ATTEMPTS.c.state == State.CLAIMED)
                    .values(**values))


def record_dialled(session: Session, attempt_id: int, provider_call_id: str, now: datetime) -> None:
    """Always store the provider call id (the sweep reconciles with it), but a fast provider
    may already have called back (ringing...): keep the newer state."""
    state = case((ATTEMPTS.c.state == State.CLAIMED, State.QUEUED), else_=ATTEMPTS.c.state)
    session.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt_id)
                    .values(provider_call_id=provider_call_id, dialled_at=now, state=state))
