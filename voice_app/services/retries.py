"""Retries: attempt n+1 for every ended attempt whose outcome calls for another try.

Called by the clock every minute. An ended attempt with a retryable outcome and no
successor gets one, due when the domain says (`next_attempt_at`, in the windows of the
attempt's time zone and the tenant's preferred half-day when one fits); inserted with
ON CONFLICT DO NOTHING on (tenant_id, round_id, attempt_number), so two clocks, or a
repeated run, create it once. When no retry fits before the round's end, the ended attempt
is marked `is_last_attempt`: it was the tenant's last call of the round, and it is not
looked at again.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from db.engine import is_sqlite
from db.models import CallAttempt
from db.models import Campaign
from db.models import Round
from db.models import Tenant
from voice_app.bootstrap import Veille
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.retries import RETRYABLE_OUTCOMES
from voice_app.domain.retries import PastAttempt
from voice_app.domain.retries import is_last_attempt
from voice_app.domain.retries import next_attempt_at
from voice_app.domain.time_zones import zone
from voice_app.services import figure_counts

log = logging.getLogger("veille.retries")

BATCH_SIZE = 1000


def schedule_retries(veille: Veille, now: datetime) -> int:
    """Create the next attempt for every retryable ended attempt without one; return how many."""
    created, skipped_campaigns = 0, set()
    while True:
        with veille.session_factory.begin() as session:
            batch = _candidates(session, skipped_campaigns)
            if not batch:
                return created
            created += _handle_batch(session, batch, skipped_campaigns, now)


def _candidates(session: Session, skipped_campaigns: set[int]) -> list:
    successor = aliased(CallAttempt)
    has_successor = select(successor.id).where(
        successor.tenant_id == CallAttempt.tenant_id, successor.round_id == CallAttempt.round_id,
        successor.attempt_number == CallAttempt.attempt_number + 1).exists()
    statement = (
        select(CallAttempt, Round, Campaign.policy)
        .join(Round, Round.id == CallAttempt.round_id).join(Campaign, Campaign.id == Round.campaign_id)
        .where(CallAttempt.state == "ended", CallAttempt.outcome.in_(sorted(RETRYABLE_OUTCOMES)),
               CallAttempt.is_last_attempt.is_(False), CallAttempt.purpose == "round",
               Round.status != "closed", ~has_successor)
        .order_by(CallAttempt.id).limit(BATCH_SIZE)
    )
    if skipped_campaigns:
        statement = statement.where(Campaign.id.not_in(sorted(skipped_campaigns)))
    return session.execute(statement).all()


def _handle_batch(session: Session, batch: list, skipped_campaigns: set[int], now: datetime) -> int:
    histories = _histories(session, batch)
    tenants = {tenant_id: (phone, preferred) for tenant_id, phone, preferred in session.execute(
        select(Tenant.id, Tenant.phone, Tenant.preferred_half_day).where(
            Tenant.id.in_({attempt.tenant_id for attempt, _round, _policy in batch})))}
    policies: dict[int, CampaignPolicy] = {}
    created = 0
    for attempt, round_, raw_policy in batch:
        if round_.campaign_id in skipped_campaigns:
            continue
        try:
            policy = policies.get(round_.campaign_id) or CampaignPolicy.from_dict(raw_policy)
        except ValueError:
            log.exception("retry.bad_policy campaign_id=%s", round_.campaign_id)
            skipped_campaigns.add(round_.campaign_id)
            continue
        policies[round_.campaign_id] = policy
        history = histories[(attempt.tenant_id, attempt.round_id)]
        phone, preferred = tenants.get(attempt.tenant_id, (None, None))
        tz = zone(attempt.time_zone)
        due_at = next_attempt_at(policy, history, round_.ends_at, now, tz, preferred)
        if due_at is None or phone is None:
            _mark_last(session, attempt.id)
            log.info("retry.none_fits attempt_id=%s round_id=%s", attempt.id, attempt.round_id)
            continue
        created += _insert_retry(session, attempt, phone, due_at,
                                 is_last_attempt(policy, history, attempt.attempt_number + 1, due_at,
                                                 round_.ends_at, tz), now)
    return created


def _histories(session: Session, batch: list) -> dict[tuple[int, int], list[PastAttempt]]:
    tenants = {attempt.tenant_id for attempt, _round, _policy in batch}
    rounds = {attempt.round_id for attempt, _round, _policy in batch}
    histories: dict[tuple[int, int], list[PastAttempt]] = defaultdict(list)
    rows = session.scalars(select(CallAttempt).where(CallAttempt.tenant_id.in_(tenants),
                                                     CallAttempt.round_id.in_(rounds)))
    for row in rows:
        histories[(row.tenant_id, row.round_id)].append(past_attempt(row))
    return histories


def past_attempt(row: CallAttempt) -> PastAttempt:
    """The retry rules' view of a stored attempt."""
    return PastAttempt(row.attempt_number, row.state, row.outcome, row.dialled_at or row.due_at,
                       row.ended_at, row.is_last_attempt)


def _mark_last(session: Session, attempt_id: int) -> None:
    session.execute(update(CallAttempt).where(CallAttempt.id == attempt_id).values(is_last_attempt=True))


def _insert_retry(session: Session, previous: CallAttempt, phone: str, due_at: datetime, is_last: bool,
                  now: datetime) -> int:
    dialect_insert = sqlite.insert if is_sqlite(session.get_bind()) else postgresql.insert
    statement = dialect_insert(CallAttempt).values(
        token=secrets.token_urlsafe(32), organisation_id=previous.organisation_id,
        tenant_id=previous.tenant_id, round_id=previous.round_id, attempt_number=previous.attempt_number + 1,
        is_last_attempt=is_last,
        direction="outbound", purpose="round", state="due", due_at=due_at, to_number=phone,
        time_zone=previous.time_zone, silences=0,
        needs_reconciliation=False, created_at=now,
    ).on_conflict_do_nothing(index_elements=["tenant_id", "round_id", "attempt_number"])
    inserted_id = session.scalar(statement.returning(CallAttempt.id))
    inserted = inserted_id is not None
    if inserted:
        figure_counts.retry_added(session, previous, inserted_id, due_at)
        log.info("retry.scheduled attempt_id=%s round_id=%s attempt_number=%s is_last=%s", previous.id,
                 previous.round_id, previous.attempt_number + 1, is_last)
    return int(inserted)

