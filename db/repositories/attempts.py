"""Claim and sweep queries on call attempts.

Theory of operation: an attempt is placed at most once because the only way out of `due` is a
conditional `UPDATE ... WHERE state = 'due'` (every backend): of two transactions updating the
same row, the second finds it no longer due and updates nothing. On PostgreSQL the candidate
rows are first selected with `FOR UPDATE SKIP LOCKED`, so concurrent dispatchers take disjoint
rows instead of queueing behind each other's locks. On SQLite a write transaction starts with
`BEGIN IMMEDIATE` (db.engine), so claimers are serialised and the guard is enough.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from db.engine import is_sqlite
from db.models import AwayPeriod
from db.models import CallAttempt
from db.models import Campaign
from db.models import Enrolment
from db.models import PhoneSuppression
from db.models import Round
from db.models import Tenant
from voice_app.domain.call_flow import State
from voice_app.domain.outcomes import Outcome

# An attempt in one of these states holds one of its campaign's simultaneous-call slots.
ACTIVE_STATES = (State.CLAIMED, State.QUEUED, State.RINGING, State.IN_PROGRESS)
# States where the provider has (or may have) the call and a callback is expected.
DIALLED_STATES = (State.QUEUED, State.RINGING, State.IN_PROGRESS)
NO_OPTIONS = {"synchronize_session": False}


@dataclass(frozen=True)
class ClaimedAttempt:
    """What the dispatcher needs to dial one claimed attempt."""

    id: int
    token: str
    organisation_id: int
    tenant_id: int | None
    to_number: str | None


@dataclass(frozen=True)
class TenantStanding:
    """A tenant's standing at claim time: may they be called at all?"""

    enrolled: bool
    opted_out: bool
    phone: str | None


@dataclass(frozen=True)
class SilentCall:
    """A dialled attempt that has not called back for too long."""

    id: int
    token: str
    state: str
    provider_call_id: str | None


def _due(now: datetime):
    return and_(CallAttempt.state == State.DUE, CallAttempt.due_at <= now)


def _open_rounds_of(campaign_id):
    return select(Round.id).where(Round.campaign_id == campaign_id, Round.status != "closed")


def _dialling_rounds_of(campaign_id, now: datetime):
    """The rounds whose calls may still be placed: not closed and not yet ended (closing waits
    for calls in flight, and the campaign's windows may have been widened since planning)."""
    return _open_rounds_of(campaign_id).where(Round.ends_at > now)


def campaigns_with_due_attempts(session: Session, now: datetime) -> list[tuple[int, dict]]:
    """(id, policy) of each active campaign with an attempt due by `now` in a round not closed.

    The rounds are correlated with the outer campaign explicitly: left to itself the innermost
    subquery would list `campaigns` in its own FROM, and every active campaign would count as
    having calls due (dragging the shared rate down to an idle campaign's)."""
    open_rounds = _dialling_rounds_of(Campaign.id, now).correlate(Campaign)
    has_due = exists(select(CallAttempt.id).where(_due(now), CallAttempt.round_id.in_(open_rounds)))
    rows = session.execute(
        select(Campaign.id, Campaign.policy).where(Campaign.active.is_(True), has_due).order_by(Campaign.id)
    )
    return [(campaign_id, policy or {}) for campaign_id, policy in rows]


def zones_with_due_attempts(session: Session, campaign_id: int, now: datetime) -> set[str | None]:
    """The time zones (None: Europe/Paris) of the campaign's attempts due by `now`: two
    index lookups (the overseas ones are few, in a partial index)."""
    in_campaign = (_due(now), CallAttempt.round_id.in_(_dialling_rounds_of(campaign_id, now)))
    zones: set[str | None] = set(session.scalars(
        select(CallAttempt.time_zone).where(*in_campaign, CallAttempt.time_zone.is_not(None)).distinct()))
    paris = select(CallAttempt.id).where(*in_campaign, CallAttempt.time_zone.is_(None)).limit(1)
    if session.scalar(paris) is not None:
        zones.add(None)
    return zones


def lock_campaign(session: Session, campaign_id: int) -> None:
    """Serialise slot accounting per campaign until the transaction ends (row lock on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises every writer)."""
    if not is_sqlite(session.get_bind()):
        session.execute(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update())


def count_active_calls(session: Session, campaign_id: int) -> int:
    """How many of the campaign's attempts hold a simultaneous-call slot now."""
    return session.scalar(
        select(func.count(CallAttempt.id)).where(
            CallAttempt.state.in_(ACTIVE_STATES), CallAttempt.round_id.in_(_open_rounds_of(campaign_id)))
    ) or 0


def claim_due_attempts(session: Session, campaign_id: int, now: datetime, worker_id: str,
                       limit: int, zones: Collection[str | None] = (None,)) -> list[ClaimedAttempt]:
    """Claim up to `limit` due attempts of the campaign in the time `zones` given (None:
    Europe/Paris), oldest due first."""
    overseas = sorted(name for name in zones if name is not None)
    in_zones = [CallAttempt.time_zone.in_(overseas)] if overseas else []
    if None in zones:
        in_zones.append(CallAttempt.time_zone.is_(None))
    candidates = (
        select(CallAttempt.id)
        .where(_due(now), CallAttempt.round_id.in_(_dialling_rounds_of(campaign_id, now)),
               or_(false(), *in_zones))
        .order_by(CallAttempt.due_at, CallAttempt.id)
        .limit(limit)
    )
    if not is_sqlite(session.get_bind()):
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    claimed = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id.in_(ids), CallAttempt.state == State.DUE)
        .values(state=State.CLAIMED, claimed_at=now, claimed_by=worker_id)
        .returning(CallAttempt.id, CallAttempt.token, CallAttempt.organisation_id,
                   CallAttempt.tenant_id, CallAttempt.to_number)
        .execution_options(**NO_OPTIONS)
    )
    position = {attempt_id: index for index, attempt_id in enumerate(ids)}
    return sorted((ClaimedAttempt(*row) for row in claimed), key=lambda attempt: position[attempt.id])


def tenant_standings(session: Session, tenant_ids: set[int]) -> dict[int, TenantStanding]:
    """Enrolment, opt-out and phone of each tenant (a tenant without enrolment is not enrolled)."""
    if not tenant_ids:
        return {}
    rows = session.execute(
        select(Tenant.id, Enrolment.status, Tenant.opted_out_at, Tenant.phone)
        .outerjoin(Enrolment, and_(Enrolment.tenant_id == Tenant.id,
                                   Enrolment.organisation_id == Tenant.organisation_id))
        .where(Tenant.id.in_(tenant_ids))
    )
    return {
        tenant_id: TenantStanding(status == "enrolled", opted_out_at is not None, phone)
        for tenant_id, status, opted_out_at, phone in rows
    }


def tenants_in_a_call(session: Session, tenant_ids: set[int], other_than: set[int]) -> set[int]:
    """The tenants with a call of theirs being placed or under way (any round, inbound or
    bridged), other than the attempts `other_than`."""
    if not tenant_ids:
        return set()
    return set(session.scalars(
        select(CallAttempt.tenant_id).where(
            CallAttempt.tenant_id.in_(tenant_ids), CallAttempt.id.not_in(other_than),
            CallAttempt.state.in_(ACTIVE_STATES))
    ))


def tenants_away_on(session: Session, tenant_ids: set[int], day: date) -> set[int]:
    """The tenants with an away period covering the Paris date `day`."""
    if not tenant_ids:
        return set()
    return set(session.scalars(
        select(AwayPeriod.tenant_id).where(
            AwayPeriod.tenant_id.in_(tenant_ids), AwayPeriod.starts_on <= day, AwayPeriod.ends_on >= day)
    ))


def suppressed_among(session: Session, organisation_id: int, hashes: set[str]) -> set[str]:
    """The hashes, among `hashes`, on the organisation's suppression list."""
    if not hashes:
        return set()
    return set(session.scalars(
        select(PhoneSuppression.phone_hash).where(
            PhoneSuppression.organisation_id == organisation_id, PhoneSuppression.phone_hash.in_(hashes))
    ))


def set_numbers(session: Session, numbers: dict[int, str]) -> None:
    """Record the number an attempt will dial: the tenant's at claim time, when planning left
    none or the tenant's number changed since."""
    for attempt_id, number in numbers.items():
        session.execute(update(CallAttempt).where(CallAttempt.id == attempt_id)
                        .values(to_number=number).execution_options(**NO_OPTIONS))


def finish_claims(session: Session, ids: list[int], worker_id: str, *, state: str, outcome: str,
                  now: datetime, error: str | None = None) -> int:
    """End claims this worker still holds without dialling them (cancelled or failed)."""
    if not ids:
        return 0
    result = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id.in_(ids), CallAttempt.state == State.CLAIMED,
               CallAttempt.claimed_by == worker_id)
        .values(state=state, outcome=outcome, ended_at=now, error=error)
        .execution_options(**NO_OPTIONS)
    )
    return result.rowcount


def release_claims(session: Session, ids: list[int], worker_id: str, due_at: datetime | None = None) -> int:
    """Give back claims this worker holds and has certainly not dialled: they are due again
    (at `due_at`, when given)."""
    if not ids:
        return 0
    result = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id.in_(ids), CallAttempt.state == State.CLAIMED,
               CallAttempt.claimed_by == worker_id, CallAttempt.provider_call_id.is_(None),
               CallAttempt.needs_reconciliation.is_(False))
        .values(state=State.DUE, claimed_at=None, claimed_by=None, **({"due_at": due_at} if due_at else {}))
        .execution_options(**NO_OPTIONS)
    )
    return result.rowcount


def end_unplaced_claims(session: Session, claimed_before: datetime, now: datetime) -> list[int]:
    """End as `unknown` every claim older than `claimed_before` with no provider call id: the
    claimer died or the provider's answer was ambiguous, so the call may or may not exist."""
    ended = session.execute(
        update(CallAttempt)
        .where(CallAttempt.state == State.CLAIMED, CallAttempt.provider_call_id.is_(None),
               CallAttempt.claimed_at <= claimed_before)
        .values(state=State.ENDED, outcome=Outcome.UNKNOWN, ended_at=now,
                error="not known to be placed: ended by the sweep, never re-dialled")
        .returning(CallAttempt.id)
        .execution_options(**NO_OPTIONS)
    )
    return sorted(ended.scalars())


def silent_calls(session: Session, silent_since: datetime, limit: int) -> list[SilentCall]:
    """Dialled attempts with no callback since `silent_since` (last event, else dial, else claim)."""
    last_heard = func.coalesce(CallAttempt.last_event_at, CallAttempt.dialled_at, CallAttempt.claimed_at)
    dialled = or_(CallAttempt.state.in_(DIALLED_STATES),
                  and_(CallAttempt.state == State.CLAIMED, CallAttempt.provider_call_id.is_not(None)))
    rows = session.execute(
        select(CallAttempt.id, CallAttempt.token, CallAttempt.state, CallAttempt.provider_call_id)
        .where(dialled, last_heard <= silent_since)
        .order_by(CallAttempt.id)
        .limit(limit)
    )
    return [SilentCall(*row) for row in rows]


def end_silent_call(session: Session, call: SilentCall, *, outcome: str, provider_status: str | None,
                    now: datetime, error: str | None = None) -> bool:
    """End a silent call unless a callback changed it meanwhile (the newer news wins)."""
    result = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == call.id, CallAttempt.state == call.state)
        .values(state=State.ENDED, outcome=outcome, provider_status=provider_status, ended_at=now,
                needs_reconciliation=False, error=error)
        .execution_options(**NO_OPTIONS)
    )
    return result.rowcount == 1
