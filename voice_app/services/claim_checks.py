"""What may be dialled now: the campaigns inside their calling hours (per time zone) and not
paused, and each claimed attempt checked again at claim time (voice_app.services.dispatch)."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING

from db.repositories import attempts
from db.repositories.attempts import ClaimedAttempt
from voice_app.domain.calendar import paris_date
from voice_app.domain.call_flow import State
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import Skipped
from voice_app.domain.rate import RateLimits
from voice_app.domain.rate import rate_limits
from voice_app.domain.time_zones import zone
from voice_app.domain.windows import calling_hours
from voice_app.domain.windows import next_open_at
from voice_app.domain.windows import open_until
from voice_app.services.suppression import hash_in

if TYPE_CHECKING:
    from voice_app.services.dispatch_pass import DispatchSummary

log = logging.getLogger("veille.dispatch")

OPENING_LOOKAHEAD = timedelta(days=14)  # how far ahead a closed campaign's next window is looked for
# A tenant already on the phone with Veille (another round's call, e.g. the heatwave round and the
# weekly one the same morning, or their own call to the service) is not rung at the same time:
# the second call would find the line busy, and a retry would ring a third time.
TENANT_IN_CALL_DELAY = timedelta(minutes=30)


class Postponed(Enum):
    """A claimed attempt not dialled now but due again later (not an outcome)."""

    TENANT_IN_CALL = "tenant_in_call"


def dialable_now(campaigns: list[tuple[int, dict, set[str | None]]], now: datetime,
                 summary: DispatchSummary) -> list[tuple[int, RateLimits, dict[str | None, datetime]]]:
    """(id, limits, {zone with calls due and open now: when its window closes}) of each
    campaign that may dial at `now`; the others are noted in the summary: paused (with the
    reason) or outside the calling hours of every zone it has calls due in (with when the
    first of them opens next)."""
    dialable = []
    for campaign_id, policy, zones in campaigns:
        if not zones:  # its last due call was claimed between the two lookups
            continue
        limits = rate_limits(policy)
        try:
            hours = calling_hours(policy)
        except InvalidPolicy as error:
            limits = RateLimits(0.0, 0, problem=f"unreadable calling hours: {error}")
        if limits.paused:
            summary.paused[campaign_id] = limits.pause_reason
            log.debug("dispatch.paused campaign_id=%s reason=%s", campaign_id, limits.pause_reason)
            continue
        closing = {name: open_until(hours, now, zone(name)) for name in zones}
        open_zones = {name: closes for name, closes in closing.items() if closes is not None}
        if not open_zones:
            openings = [next_open_at(hours, now, now + OPENING_LOOKAHEAD, tz=zone(name)) for name in zones]
            summary.outside_hours[campaign_id] = min((at for at in openings if at), default=None)
            continue
        dialable.append((campaign_id, limits, open_zones))
    return dialable


def claim_time_verdicts(session, claimed: list[ClaimedAttempt], now: datetime) -> dict:
    """For each claimed attempt: the attempt to dial (with its number), or the outcome that
    cancels it (`skipped_*`, or `failed` when there is no number to dial)."""
    tenant_ids = {a.tenant_id for a in claimed if a.tenant_id is not None}
    standings = attempts.tenant_standings(session, tenant_ids)
    in_a_call = attempts.tenants_in_a_call(session, tenant_ids, {a.id for a in claimed})
    away = attempts.tenants_away_on(session, tenant_ids, paris_date(now))
    # The tenant's number now, not the one copied at planning: a re-import since may have
    # corrected it (the old one may be a stranger's), or erased it.
    numbers = {a.id: standings[a.tenant_id].phone if a.tenant_id in standings else a.to_number
               for a in claimed}
    hashed = {attempt_id: hash_in(session, number) for attempt_id, number in numbers.items() if number}
    suppressed = set()
    for organisation_id in {a.organisation_id for a in claimed}:
        hashes = {hashed[a.id] for a in claimed if a.organisation_id == organisation_id and a.id in hashed}
        suppressed |= attempts.suppressed_among(session, organisation_id, hashes)
    verdicts = {}
    for attempt in claimed:
        number = numbers[attempt.id]
        standing = standings.get(attempt.tenant_id)
        # Opt-out first: an opted-out tenant is unenrolled too, and has no number left.
        if (standing is not None and standing.opted_out) or hashed.get(attempt.id) in suppressed:
            verdicts[attempt.id] = Skipped.OPT_OUT
        elif standing is None or not standing.enrolled:
            verdicts[attempt.id] = Skipped.UNENROLLED
        elif attempt.tenant_id in away:
            verdicts[attempt.id] = Skipped.AWAY
        elif not number:
            verdicts[attempt.id] = Outcome.FAILED
        elif attempt.tenant_id in in_a_call:
            verdicts[attempt.id] = Postponed.TENANT_IN_CALL
        else:
            in_a_call.add(attempt.tenant_id)  # two of the tenant's attempts in one batch: one call
            verdicts[attempt.id] = ClaimedAttempt(attempt.id, attempt.token, attempt.organisation_id,
                                                  attempt.tenant_id, number)
    return verdicts


def postpone(session, verdicts: dict, worker_id: str, now: datetime) -> int:
    """Give back, due later, the attempts of tenants already in a call."""
    ids = [attempt_id for attempt_id, verdict in verdicts.items() if verdict is Postponed.TENANT_IN_CALL]
    if ids:
        log.info("dispatch.postponed reason=tenant_in_call count=%s", len(ids))
    return attempts.release_claims(session, ids, worker_id, due_at=now + TENANT_IN_CALL_DELAY)


def end_skipped(session, verdicts: dict, worker_id: str, now: datetime) -> None:
    by_outcome: dict[str, list[int]] = {}
    for attempt_id, verdict in verdicts.items():
        if isinstance(verdict, str):
            by_outcome.setdefault(verdict, []).append(attempt_id)
    for outcome, ids in by_outcome.items():
        if outcome == Outcome.FAILED:
            attempts.finish_claims(session, ids, worker_id, state=State.ENDED, outcome=Outcome.FAILED,
                                   now=now, error="no phone number to dial")
        else:
            attempts.finish_claims(session, ids, worker_id, state=State.CANCELLED, outcome=outcome, now=now)
        log.info("dispatch.skipped outcome=%s count=%s", outcome, len(ids))
