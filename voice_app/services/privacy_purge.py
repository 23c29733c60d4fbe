"""The retention purge (DESIGN §11): an organisation's data older than its retention policy
(voice_app.domain.retention) is deleted, in one transaction, and the purge is audited.

- answers: the responses and the provider's events (which carry the keys and words) of calls
  older than `answers` months;
- calls: the follow-ups completed more than `calls` months ago (with their call-backs), then
  the call attempts older than that with what cannot live without them; a row that stays and
  mentions one (a follow-up still open, opened by an old call) loses the mention;
- notes: the note of a follow-up completed more than `notes` months ago is erased.

Each step reads and deletes BATCH rows at a time, so that every statement stays short whatever
the volume (the first purge of a database that has lived for years deletes millions of rows).
The hashed suppression list and the audit log are never purged. A dry run does the same work
and rolls it back: it reports exactly what the real purge would delete, and changes nothing.
The clock runs `purge_expired_data` every hour; it purges once a night (domain.retention).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from db.models import Base
from db.models import CallAttempt
from db.models import CallEvent
from db.models import FollowUp
from db.models import KeyPress
from db.models import Organisation
from db.models import User
from db.repositories.dependent_rows import Removal
from db.repositories.dependent_rows import RowSet
from voice_app.domain.follow_up import TaskState
from voice_app.domain.retention import CutOffs
from voice_app.domain.retention import RetentionPolicy
from voice_app.domain.retention import cut_offs
from voice_app.domain.retention import is_purge_hour
from voice_app.domain.retention import policy_from_settings
from voice_app.services import audit
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.privacy")

BATCH = 2_000  # rows deleted per statement: short statements whatever the volume


@dataclass(frozen=True)
class PurgeReport:
    organisation_id: int
    organisation_name: str
    policy: RetentionPolicy
    cut_offs: CutOffs
    removal: Removal
    notes_erased: int
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.removal.deleted.values()) + sum(self.removal.detached.values()) + self.notes_erased


def purge(veille: Runtime, organisation_id: int, *, dry_run: bool = False,
          actor: User | None = None) -> PurgeReport:
    """Purge the organisation's expired data (or, `dry_run`, say what would go and keep it)."""
    now = veille.clock()
    with veille.session_factory() as session:
        organisation = session.get(Organisation, organisation_id)
        policy = policy_from_settings(organisation.settings)
        limits = cut_offs(policy, now)
        removal, notes = _purge(session, organisation_id, limits)
        report = PurgeReport(organisation_id, organisation.name, policy, limits, removal, notes, dry_run)
        if dry_run:
            session.rollback()
            return report
        audit.add(session, now, organisation_id=organisation_id, actor=actor, action="privacy.purged",
                  subject_type="organisation", subject_id=organisation_id,
                  details={"deleted": removal.deleted, "detached": removal.detached, "notes_erased": notes,
                           "retention_months": policy.as_settings()})
        session.commit()
    log.info("privacy.purged organisation_id=%s rows=%d", organisation_id, report.total)
    return report


def purge_expired_data(veille: Runtime, now: datetime) -> list[PurgeReport] | None:
    """The clock's nightly job: every landlord's purge, in the purge hour only (None else)."""
    if not is_purge_hour(now):
        return None
    with veille.session_factory() as session:
        organisation_ids = list(session.scalars(select(Organisation.id).where(Organisation.kind == "landlord")
                                                .order_by(Organisation.id)))
    return [purge(veille, organisation_id) for organisation_id in organisation_ids]


def _purge(session: Session, organisation_id: int, limits: CutOffs) -> tuple[Removal, int]:
    """The three steps, each in batches of BATCH rows (statements stay short at any volume)."""
    removal = Removal()
    for model in (KeyPress, CallEvent):
        answered = _answers_of_old_calls(session, model, organisation_id, limits.answers)
        for ids in _batches(session, model.attempt_id, answered, also=CallAttempt.id):
            removal.add(_rows({model.__table__: model.attempt_id.in_(set(ids))}).remove(session))
    done = select(FollowUp.id).where(FollowUp.organisation_id == organisation_id,
                                     FollowUp.status == TaskState.DONE, FollowUp.completed_at < limits.calls)
    for ids in _batches(session, FollowUp.id, done):  # before their calls: gone, not merely unlinked
        removal.add(_rows({FollowUp.__table__: FollowUp.id.in_(ids)}).remove(session))
    for ids in _batches(session, CallAttempt.id, _old_calls(organisation_id, limits.calls)):
        removal.add(_rows({CallAttempt.__table__: CallAttempt.id.in_(ids)}).remove(session))
    notes = session.execute(update(FollowUp).where(
        FollowUp.organisation_id == organisation_id, FollowUp.status == TaskState.DONE,
        FollowUp.completed_at < limits.notes, FollowUp.note.is_not(None)).values(note=None)).rowcount or 0
    return removal, notes


def _rows(roots: dict) -> RowSet:
    return RowSet(Base.metadata, roots)


def _answers_of_old_calls(session: Session, model, organisation_id: int, before: datetime) -> Select:
    """The calls older than `before` that still have answers (`model`: KeyPress or CallEvent),
    read from the answers' side below the newest old call: once purged, that range is empty,
    so a night with nothing to purge reads nothing."""
    newest = session.scalar(select(func.max(CallAttempt.id)).where(
        CallAttempt.organisation_id == organisation_id, CallAttempt.created_at < before)) or 0
    return (select(model.attempt_id).join(CallAttempt, CallAttempt.id == model.attempt_id)
            .where(model.attempt_id <= newest, CallAttempt.id <= newest,
                   CallAttempt.organisation_id == organisation_id, CallAttempt.created_at < before))


def _old_calls(organisation_id: int, before: datetime) -> Select:
    return select(CallAttempt.id).where(CallAttempt.organisation_id == organisation_id,
                                        CallAttempt.created_at < before)


def _batches(session: Session, key, query: Select, also=None) -> Iterator[list[int]]:
    """The ids `query` selects, BATCH at a time in id order (each batch is removed before the
    next is read, so the next starts after the last id seen). `also`: a column equal to `key`
    by a join, bounded too so that the database starts both sides of the join there."""
    last = 0
    while ids := list(session.scalars(query.where(key > last, *([also > last] if also is not None else []))
                                      .order_by(key).limit(BATCH))):
        yield ids
        last = ids[-1]
