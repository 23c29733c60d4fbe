"""The audit log (DESIGN §11-12): who viewed or changed what, when. Never a number or an answer.

Kept apart from the purge of call data; read by admins (`/admin/audit`, `veille audit export`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import User
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.audit")

PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # prefix, e.g. "follow_up." or "user.signed_in"
    actor_id: int | None = None
    subject_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def record(veille: Runtime, *, organisation_id: int | None, actor: User | None, action: str,
           subject_type: str, subject_id: int | None = None, details: dict | None = None) -> None:
    """Write one audit line in its own transaction (a view is audited even if nothing changes)."""
    with veille.session_factory.begin() as session:
        add(session, veille.clock(), organisation_id=organisation_id, actor=actor, action=action,
            subject_type=subject_type, subject_id=subject_id, details=details)


def add(session: Session, now: datetime, *, organisation_id: int | None, actor: User | None, action: str,
        subject_type: str, subject_id: int | None = None, details: dict | None = None) -> None:
    """Add an audit line to the caller's transaction (a change and its audit land together)."""
    session.add(AuditEvent(
        organisation_id=organisation_id, actor_id=actor.id if actor else None,
        actor_label=(actor.display_name[:100] if actor else "système"), action=action,
        subject_type=subject_type, subject_id=subject_id, details=details or {}, at=now))


def _filtered(organisation_ids: list[int], where: AuditFilter):
    statement = select(AuditEvent).where(AuditEvent.organisation_id.in_(organisation_ids))
    if where.action:
        statement = statement.where(AuditEvent.action.startswith(where.action, autoescape=True))
    if where.actor_id:
        statement = statement.where(AuditEvent.actor_id == where.actor_id)
    if where.subject_type:
        statement = statement.where(AuditEvent.subject_type == where.subject_type)
    if where.since:
        statement = statement.where(AuditEvent.at >= where.since)
    if where.until:
        statement = statement.where(AuditEvent.at < where.until)
    return statement


def list_events(veille: Runtime, organisation_ids: list[int], where: AuditFilter, *,
                before_id: int | None = None, limit: int = PAGE_SIZE) -> list[AuditEvent]:
    """The newest events first; `before_id` pages back (keyset, fast on a long log)."""
    statement = _filtered(organisation_ids, where)
    if before_id:
        statement = statement.where(AuditEvent.id < before_id)
    with veille.session_factory() as session:
        return list(session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit)))


def iter_events(veille: Runtime, organisation_ids: list[int] | None, since: datetime) -> Iterator[AuditEvent]:
    """Every event since `since`, oldest first, in batches (for the CSV export)."""
    last_id = 0
    while True:
        statement = select(AuditEvent).where(AuditEvent.at >= since, AuditEvent.id > last_id)
        if organisation_ids is not None:
            statement = statement.where(AuditEvent.organisation_id.in_(organisation_ids))
        with veille.session_factory() as session:
            batch = list(session.scalars(statement.order_by(AuditEvent.id).limit(1000)))
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
