"""The figures' summary (figure_counts), kept exact by the services that write the facts.

Each writer of a counted fact makes one call here, in its own transaction, so the fact and
its count commit together (docs/figures.md, "Summary tables"):

- planning: `planning_count` before inserting a round's attempts, whose `insert` runs each
  INSERT with what counts it (set-based: in the same statement, or one statement after it);
- retries: `retry_added`; follow-ups: `follow_up_opened`; anything that changes one (done,
  taken, given, settled): `follow_ups_changing`; enrolments: `enrolment_changed`,
  `enrolments_added`; a tenant's site or volunteer: `tenants_regrouped`.

What calls do (dialled, reached, opted out) is the exception: at 100 calls a second, a write
to the summary's shared rows in every dial and webhook would make the dispatchers and the
webhooks wait for each other. Each call attempt records instead which of its flags the summary
has counted (`counted_flags`); `fold_pending` counts the attempts whose flags moved, in
batches, from the clock and before the summary is read, so the figures shown are exact.

`rebuild` recomputes an organisation's rows from the facts (`veille figures rebuild`).
Tenant counts are distinct: a tenant's count in a scope (week slice, round, campaign, month)
moves only when none of its other round attempts in the scope has the flag.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import true
from sqlalchemy.orm import Session

from db.models import CallAttempt
from db.models import Enrolment
from db.models import FigureCount
from db.models import FigureEnrolment
from db.models import FollowUp
from db.models import Round
from db.repositories import figure_counts as sql
from voice_app.domain.figure_slices import Slice
from voice_app.domain.figure_slices import next_month
from voice_app.domain.figure_slices import slice_of
from voice_app.domain.figure_slices import slices_between
from voice_app.domain.figures import utc_midnight
from voice_app.services.ports import Runtime

log = logging.getLogger("veille.figures")

REBUILD_WORK_MEM = "256MB"


# -- call attempts ------------------------------------------------------------------------------

FOLD_BATCH = 1000  # attempts per fold transaction: SQLite's webhooks wait for it (BEGIN IMMEDIATE)


def _apply(session: Session, attempt_id, organisation_id, tenant_id, round_id, due_at, changes) -> None:
    if changes and round_id is not None and tenant_id is not None and due_at is not None:
        sql.add(session, sql.attempt_flags_change(attempt_id, organisation_id, tenant_id, round_id,
                                                  slice_of(due_at), changes))


def fold_pending(veille: Runtime, organisation_id: int | None = None, *, batch: int = FOLD_BATCH) -> int:
    """Count in the summary what calls did (dialled, reached, opted out) since the last fold:
    by batches of attempts, each in one transaction; returns how many attempts were counted.
    Runs in the clock and before the summary is read, so the figures are exact when shown."""
    folded = 0
    while True:
        with veille.session_factory.begin() as session:
            counted = _fold(session, organisation_id, batch)
        folded += counted
        if counted < batch:
            if folded:
                log.info("figures.folded attempts=%s", folded)
            return folded


def _fold(session: Session, organisation_id: int | None, batch: int) -> int:
    """One batch: the pending attempts' tenants' contribution is read before and after their
    counted bits catch up, and the difference of the flags written (a tenant's count moves only
    when none of its other attempts in the scope had the flag)."""
    sql.lock(session)
    pending = sql.pending_attempts(session, organisation_id, batch)
    if not pending:
        return 0
    scopes: dict[int, tuple[set[int], set[date]]] = {}
    for _id, organisation, tenant_id, due_at in pending:
        if tenant_id is not None and due_at is not None:
            tenants, months = scopes.setdefault(organisation, (set(), set()))
            tenants.add(tenant_id)
            months.add(slice_of(due_at).month)
    before = _flag_counts(session, scopes)
    sql.mark_counted(session, CallAttempt.id.in_([row.id for row in pending]))
    sql.add_difference(session, before, _flag_counts(session, scopes))
    return len(pending)


def _flag_counts(session: Session, scopes: dict[int, tuple[set[int], set[date]]]) -> dict:
    """The attempts' contribution of these tenants in these months, flags only: `planned` is
    planning's to count (an attempt it inserts meanwhile must not be counted twice)."""
    counts: dict = {}
    for organisation_id, (tenants, months) in scopes.items():
        for month in sorted(months):
            sql.read(session, sql.attempt_contribution(organisation_id, month_slices(month),
                                                       tenant_ids=sorted(tenants)), counts)
    planned = sql.COUNT_COLUMNS.index("planned")
    for values in counts.values():
        values[planned] = 0
    return counts


def _previous(state, name: str):
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


def _stored(session: Session, attempt_id: int):
    return session.execute(select(CallAttempt.organisation_id, CallAttempt.tenant_id, CallAttempt.round_id,
                                  CallAttempt.due_at)
                           .where(CallAttempt.id == attempt_id)).one_or_none()


def retry_added(session: Session, previous: CallAttempt, retry_id: int, due_at) -> None:
    """After a retry of `previous` was inserted: nothing moves when it falls in the same slice
    (its scopes hold `previous` already), else the tenant may be planned in a new scope."""
    if slice_of(due_at) != slice_of(previous.due_at):
        attempt_added(session, retry_id)


def attempt_added(session: Session, attempt_id: int) -> None:
    """After a round attempt was inserted: the tenant may become planned in a new scope (its
    dial and outcome are the fold's to count)."""
    row = _stored(session, attempt_id)
    if row is not None:
        _apply(session, attempt_id, *row, {"planned": 1})


@dataclass(frozen=True)
class PlanningCount:
    """How one planning pass counts the round's tenants it inserts (see `planning_count`)."""

    round_id: int
    created_at: datetime  # the pass's attempts' created_at
    slices: list[Slice]  # the week slices the round's due times fall in
    alone: bool  # no other round attempt of the organisation in those months: no check per tenant

    def insert(self, session: Session, insert, workers: int, share: int) -> None:
        """Run one share's INSERT of the pass (on PostgreSQL one of `workers` shares of the
        tenants, by id) and count the tenants it adds, in the caller's transaction."""
        if self.alone:
            sql.insert_planned(session, insert, self.round_id, self.created_at, self.slices)
            return
        session.execute(insert)
        sql.add(session, sql.planned_contribution(
            self.round_id, self.created_at, self.slices,
            lambda attempt: attempt.tenant_id % workers == share if workers > 1 else true()))


def planning_count(session: Session, round_id: int, organisation_id: int,
                   created_at: datetime) -> PlanningCount:
    """Before a planning pass inserts a round's attempts (created at `created_at`): how to count
    them. A tenant is planned in a scope (week slice, round, campaign, month) when it has no
    other round attempt there. When the organisation has no round attempt at all in the months
    the round meets (its first round of the month; never a resumed pass, whose earlier
    attempts are there), every tenant inserted is planned in every scope: the count comes from
    the inserted rows, in the INSERT's own statement on PostgreSQL. Otherwise each tenant is
    checked against its other attempts, in one statement after the INSERT. Either way only what
    other planners committed is seen, as before: two rounds of one organisation planned at the
    same moment may both count a tenant they share (`veille figures rebuild` settles it)."""
    span = session.execute(select(Round.starts_at, Round.ends_at).where(Round.id == round_id)).one()
    slices = slices_between(span.starts_at - timedelta(days=1), span.ends_at + timedelta(days=1))
    others = sql.round_attempts_between(session, organisation_id, slices[0].month_starts_at,
                                        slices[-1].month_ends_at)
    return PlanningCount(round_id, created_at, slices, alone=not others)


# -- follow-ups ---------------------------------------------------------------------------------

def follow_up_opened(session: Session, follow_up: FollowUp) -> None:
    """After a follow-up was added (one statement)."""
    session.flush()
    where = slice_of(follow_up.created_at)
    sql.add(session, sql.follow_up_contribution([where], FollowUp.id == follow_up.id))


@contextmanager
def follow_ups_changing(session: Session, condition) -> Iterator[None]:
    """Around a change to the follow-ups matching `condition` (which the change must not alter:
    an id, a dedup key): their contribution is read before and after, and only the difference
    written, after the change (so a change that loses a race writes nothing, and the summary's
    rows are locked after the fact's)."""
    before: dict = {}
    _follow_ups(session, condition, before)
    yield
    session.flush()
    after: dict = {}
    _follow_ups(session, condition, after)
    sql.add_difference(session, before, after)


def _follow_ups(session: Session, condition, into: dict) -> None:
    bounds = session.execute(select(func.min(FollowUp.created_at), func.max(FollowUp.created_at),
                                    func.max(FollowUp.completed_at)).where(condition)).one()
    moments = [moment for moment in bounds if moment is not None]
    if moments:
        slices = slices_between(slice_of(min(moments)).starts_at, slice_of(max(moments)).ends_at)
        for run in sql.by_months(slices):
            sql.read(session, sql.follow_up_contribution(run, condition), into)


# -- enrolments ---------------------------------------------------------------------------------

def enrolment_changed(session: Session, enrolment: Enrolment) -> None:
    """After the ORM added or changed an enrolment (dates, status): one statement when it moved."""
    state = inspect(enrolment)
    now = (enrolment.enrolled_on, enrolment.unenrolled_on, enrolment.status)
    before = None if state.pending or state.transient else tuple(
        _previous(state, name) for name in ("enrolled_on", "unenrolled_on", "status"))
    if before == now:
        return
    rows = [(before, -1)] if before is not None and before[0] is not None else []
    sql.add_enrolments(session, sql.enrolment_change(enrolment.organisation_id, enrolment.tenant_id,
                                                     [*rows, (now, 1)]))


def enrolments_added(session: Session, organisation_id: int, tenant_ids) -> None:
    """After enrolments were inserted in bulk for these tenants."""
    sql.add_enrolments(session, sql.enrolment_contribution(
        (Enrolment.organisation_id == organisation_id) & Enrolment.tenant_id.in_(list(tenant_ids))))


# -- tenants ------------------------------------------------------------------------------------

@contextmanager
def tenants_regrouped(session: Session, tenant_ids) -> Iterator[None]:
    """Around a change of tenants' site or volunteer (their groups, and who their usual
    volunteer is): their whole contribution is read before and after, the difference written."""
    tenant_ids = [t for t in tenant_ids if t is not None]
    if not tenant_ids:
        yield
        return
    sql.lock(session)  # the fold reads these tenants' contribution too
    before = _tenants(session, tenant_ids)
    yield
    session.flush()
    after = _tenants(session, tenant_ids)
    sql.add_difference(session, before[0], after[0])
    sql.add_difference(session, before[1], after[1], sql.ENROLMENTS)


def _tenants(session: Session, tenant_ids: list[int]) -> tuple[dict, dict]:
    counts: dict = {}
    spans = session.execute(select(CallAttempt.organisation_id, func.min(CallAttempt.due_at),
                                   func.max(CallAttempt.due_at))
                            .where(CallAttempt.tenant_id.in_(tenant_ids), CallAttempt.round_id.is_not(None))
                            .group_by(CallAttempt.organisation_id))
    for organisation_id, first, last in spans:
        slices = slices_between(slice_of(first).starts_at, slice_of(last).ends_at)
        for run in sql.by_months(slices):
            sql.read(session, sql.attempt_contribution(organisation_id, run, tenant_ids=tenant_ids), counts)
    _follow_ups(session, FollowUp.tenant_id.in_(tenant_ids), counts)
    enrolments: dict = {}
    sql.read(session, sql.enrolment_contribution(Enrolment.tenant_id.in_(tenant_ids)), enrolments,
             sql.ENROLMENTS)
    return counts, enrolments


# -- rebuild ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rebuilt:
    months: int
    rows: int


def rebuild(veille: Runtime, organisation_id: int) -> Rebuilt:
    """Recompute an organisation's summary from the facts, month by month, in one transaction
    (on PostgreSQL the summary's writers wait for it: a fact written meanwhile is counted after)."""
    with veille.session_factory.begin() as session:
        sql.lock(session)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("LOCK TABLE figure_counts IN SHARE ROW EXCLUSIVE MODE"))
            session.execute(text(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'"))
        sql.mark_counted(session, CallAttempt.organisation_id == organisation_id)
        session.execute(delete(FigureCount).where(FigureCount.organisation_id == organisation_id))
        session.execute(delete(FigureEnrolment).where(FigureEnrolment.organisation_id == organisation_id))
        sql.add_enrolments(session, sql.enrolment_contribution(Enrolment.organisation_id == organisation_id))
        months = _months(session, organisation_id)
        for month in months:
            slices = month_slices(month)
            sql.add(session, sql.attempt_contribution(organisation_id, slices))
            sql.add(session, sql.follow_up_contribution(slices, FollowUp.organisation_id == organisation_id))
        rows = session.scalar(select(func.count()).select_from(FigureCount)
                              .where(FigureCount.organisation_id == organisation_id))
    log.info("figures.rebuilt organisation_id=%s months=%s rows=%s", organisation_id, len(months), rows)
    return Rebuilt(len(months), rows)


def _months(session: Session, organisation_id: int) -> list[date]:
    """Every Paris month with a round attempt or a follow-up of the organisation."""
    attempts = select(func.min(CallAttempt.due_at), func.max(CallAttempt.due_at)).where(
        CallAttempt.organisation_id == organisation_id, CallAttempt.round_id.is_not(None))
    follow_ups = select(func.min(FollowUp.created_at), func.max(FollowUp.created_at),
                        func.max(FollowUp.completed_at)).where(FollowUp.organisation_id == organisation_id)
    moments = [m for m in (*session.execute(attempts).one(), *session.execute(follow_ups).one()) if m]
    if not moments:
        return []
    month, last = slice_of(min(moments)).month, slice_of(max(moments)).month
    found = []
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found


def month_slices(month: date) -> list[Slice]:
    return slices_between(utc_midnight(month), utc_midnight(next_month(month)))
