"""Closing rounds: cancel what was never dialled, and hand the unreachable to a person.

A round closes when its end has passed (calls still in flight get `CLOSE_GRACE` to end
first), or earlier when every tenant is settled: nothing due or in flight and no retry to
come. Closing, per tenant (domain `round_verdict`):
- every placed attempt failed to reach them (no answer, busy, voicemail, unknown): an
  UNREACHABLE follow-up, UNREACHABLE_TWICE (urgent, field visit) when they were already
  unreachable in the campaign's previous round;
- an invalid number (`failed`): an INVALID_NUMBER follow-up, unless the call already
  opened one;
- reached, or answered and silent (escalated by the call itself), or never called (every
  attempt cancelled: away, opted out, unenrolled): nothing.
Follow-ups are opened by chunks, idempotently (one task per round, tenant and reason), and
the round is marked closed last: a closing interrupted half-way is finished by the next run.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Round
from voice_app.domain.call_flow import TERMINAL
from voice_app.domain.call_flow import State
from voice_app.domain.escalation import Reason
from voice_app.domain.escalation import unreachable_reason
from voice_app.domain.outcomes import RETRYABLE
from voice_app.domain.retries import Verdict
from voice_app.domain.retries import round_verdict
from voice_app.services.escalations import open_follow_up
from voice_app.services.ports import Runtime
from voice_app.services.retries import past_attempt

log = logging.getLogger("veille.rounds")

CLOSE_GRACE = timedelta(hours=1)  # calls in flight at the round's end get this long to end
FOLLOW_UP_CHUNK = 500
OPEN_STATUSES = ("planning", "planned")  # `planning`: its attempts are still being inserted


@dataclass(frozen=True)
class RoundSummary:
    """A round with its campaign's name and its figures so far (for `veille rounds list`)."""

    round: Round
    campaign_name: str
    counts: dict[str, int]


def close_finished_rounds(veille: Runtime, now: datetime) -> int:
    """Close every planned round that is over or settled; return how many were closed.
    Called by the clock every minute: a round that fails to close is logged and skipped."""
    closed = 0
    for round_ in _open_rounds(veille):
        try:
            if _ready_to_close(veille, round_, now):
                closed += close_round(veille, round_.id, now)
        except Exception:  # one broken round must never stop the others
            log.exception("round.close_failed round_id=%s", round_.id)
    return closed


def _open_rounds(veille: Runtime) -> list[Round]:
    with veille.session_factory.begin() as session:
        return list(session.scalars(select(Round).where(Round.status.in_(OPEN_STATUSES)).order_by(Round.id)))


def _ready_to_close(veille: Runtime, round_: Round, now: datetime) -> bool:
    with veille.session_factory.begin() as session:
        if now >= round_.ends_at + CLOSE_GRACE:
            return True
        if round_.status != "planned":  # still being planned: only its end closes it
            return False
        in_flight = _exists(session, CallAttempt.round_id == round_.id, CallAttempt.state.not_in(
            sorted(TERMINAL | {State.DUE})))
        if now >= round_.ends_at:
            return not in_flight
        if in_flight or _exists(session, CallAttempt.round_id == round_.id, CallAttempt.state == State.DUE):
            return False
        return not _retry_may_come(session, round_.id)


def _exists(session: Session, *conditions) -> bool:
    return session.scalar(select(CallAttempt.id).where(*conditions).limit(1)) is not None


def _retry_may_come(session: Session, round_id: int) -> bool:
    successor = aliased(CallAttempt)
    has_successor = select(successor.id).where(
        successor.tenant_id == CallAttempt.tenant_id, successor.round_id == CallAttempt.round_id,
        successor.attempt_number == CallAttempt.attempt_number + 1).exists()
    return _exists(session, CallAttempt.round_id == round_id, CallAttempt.state == State.ENDED,
                   CallAttempt.outcome.in_(sorted(RETRYABLE)),
                   CallAttempt.is_last_attempt.is_(False), ~has_successor)


def close_round(veille: Runtime, round_id: int, now: datetime) -> int:
    """Close one round now (see the module docstring); return 1 if this call closed it."""
    with veille.session_factory.begin() as session:
        round_ = session.get(Round, round_id)
        if round_ is None or round_.status not in OPEN_STATUSES:
            return 0
        organisation_id = session.scalar(select(Campaign.organisation_id).where(
            Campaign.id == round_.campaign_id))
        cancelled = session.execute(update(CallAttempt).where(
            CallAttempt.round_id == round_id, CallAttempt.state == State.DUE).values(
            state=State.CANCELLED, error="round_closed", ended_at=now)).rowcount
        verdicts = _verdicts(session, round_id)
        previously_unreachable = _unreachable_in_previous_round(session, round_)
        already_invalid = _invalid_number_follow_ups(session, round_id)
    tasks = _tasks(verdicts, previously_unreachable, already_invalid)
    for start in range(0, len(tasks), FOLLOW_UP_CHUNK):
        with veille.session_factory.begin() as session:
            for tenant_id, reason in tasks[start:start + FOLLOW_UP_CHUNK]:
                open_follow_up(session, organisation_id=organisation_id, tenant_id=tenant_id, reason=reason,
                               now=now, round_id=round_id)
    with veille.session_factory.begin() as session:
        still_open = update(Round).where(Round.id == round_id, Round.status.in_(OPEN_STATUSES))
        closed = session.execute(still_open.values(status="closed", closed_at=now)).rowcount
    figures = Counter(str(v) for v in verdicts.values())
    log.info("round.closed round_id=%s campaign_id=%s cancelled=%s reached=%s no_key=%s unreachable=%s "
             "unreachable_twice=%s invalid_number=%s not_called=%s", round_id, round_.campaign_id, cancelled,
             figures[Verdict.REACHED], figures[Verdict.NO_KEY],
             sum(1 for _t, r in tasks if r == Reason.UNREACHABLE),
             sum(1 for _t, r in tasks if r == Reason.UNREACHABLE_TWICE), figures[Verdict.INVALID_NUMBER],
             figures[Verdict.NOT_CALLED])
    return closed


def _verdicts(session: Session, round_id: int) -> dict[int, Verdict]:
    histories = defaultdict(list)
    for row in session.scalars(select(CallAttempt).where(CallAttempt.round_id == round_id,
                                                         CallAttempt.tenant_id.is_not(None))):
        histories[row.tenant_id].append(past_attempt(row))
    return {tenant_id: round_verdict(history, round_over=True) for tenant_id, history in histories.items()}


def _unreachable_in_previous_round(session: Session, round_: Round) -> set[int]:
    previous_id = session.scalar(select(Round.id).where(
        Round.campaign_id == round_.campaign_id, Round.scheduled_on < round_.scheduled_on)
        .order_by(Round.scheduled_on.desc()).limit(1))
    if previous_id is None:
        return set()
    return set(session.scalars(select(FollowUp.tenant_id).where(
        FollowUp.round_id == previous_id,
        FollowUp.reason.in_([str(Reason.UNREACHABLE), str(Reason.UNREACHABLE_TWICE)]))))


def _invalid_number_follow_ups(session: Session, round_id: int) -> set[int]:
    """Tenants whose invalid number already has a task (opened by the call, or a previous run)."""
    attempts = select(CallAttempt.id).where(CallAttempt.round_id == round_id)
    return set(session.scalars(select(FollowUp.tenant_id).where(
        FollowUp.reason == str(Reason.INVALID_NUMBER),
        or_(FollowUp.round_id == round_id, FollowUp.attempt_id.in_(attempts)))))


def _tasks(verdicts: dict[int, Verdict], previously_unreachable: set[int],
           already_invalid: set[int]) -> list[tuple[int, Reason]]:
    tasks = []
    for tenant_id, verdict in sorted(verdicts.items()):
        if verdict == Verdict.UNREACHABLE:
            tasks.append((tenant_id, unreachable_reason(tenant_id in previously_unreachable)))
        elif verdict == Verdict.INVALID_NUMBER and tenant_id not in already_invalid:
            tasks.append((tenant_id, Reason.INVALID_NUMBER))
    return tasks


def list_rounds(veille: Runtime, campaign_id: int | None = None, limit: int = 20, *,
                organisation_id: int | None = None) -> list[RoundSummary]:
    """The latest rounds (of one campaign, or all of an organisation's, or all), newest first,
    with attempt counts by outcome."""
    with veille.session_factory.begin() as session:
        statement = select(Round, Campaign.name).join(Campaign, Campaign.id == Round.campaign_id)
        if organisation_id is not None:
            statement = statement.where(Campaign.organisation_id == organisation_id)
        if campaign_id is not None:
            statement = statement.where(Round.campaign_id == campaign_id)
        statement = statement.order_by(Round.scheduled_on.desc(), Round.id.desc()).limit(limit)
        rows = session.execute(statement).all()
        summaries = []
        for round_, name in rows:
            counts = Counter()
            for state, outcome, n in session.execute(
                    select(CallAttempt.state, CallAttempt.outcome, func.count()).where(
                        CallAttempt.round_id == round_.id).group_by(CallAttempt.state, CallAttempt.outcome)):
                counts[outcome or state] += n
            summaries.append(RoundSummary(round_, name, dict(counts)))
    return summaries
