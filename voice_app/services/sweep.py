"""The sweep: find attempts stuck on their way and settle them with the provider, never by re-dialling.

Two kinds of stuck attempts (each deadline is generous against normal operation):

- **Claimed, no provider call id, claimed more than CLAIM_DEADLINE ago.** The dispatcher died
  between claim and dial, or the provider's answer was ambiguous (`needs_reconciliation`).
  Without a call id we cannot ask the provider, and the process may have died after the
  provider accepted the call but before the id was recorded. So the attempt is ended with
  outcome `unknown` and is never re-dialled blindly: the round's retry logic treats `unknown`
  like `no_answer`, i.e. a NEW attempt later, in another half-day, never an immediate re-dial.
- **Dialled (queued, ringing, in progress), no callback for SILENCE_DEADLINE** (since the
  last event, else since dialling). The provider is asked (`fetch_call_status`). A final
  status (completed, busy, no-answer, failed, canceled) is applied exactly as the provider's
  own status callback would be, through the call service (voice_app.services.call_events),
  so the call flow decides the outcome (an outcome already recorded is kept; answered and
  silent is `no_key`, never "ok") and opens the follow-up it needs. A call still in progress
  is left alone; a call the provider does not know ends `unknown`; a provider error leaves
  it for the next sweep.

Every update is conditional on the state the sweep saw, and the call flow never moves a
terminal state, so a late webhook always wins.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from db.models import CallAttempt
from db.repositories import attempts
from db.repositories.attempts import SilentCall
from voice_app.bootstrap import Veille
from voice_app.domain.outcomes import log_class
from voice_app.services.call_events import apply_callback
from voice_app.telephony import callbacks
from voice_app.telephony.callbacks import FINAL_STATUSES

log = logging.getLogger("veille.sweep")

CLAIM_DEADLINE = timedelta(minutes=5)
SILENCE_DEADLINE = timedelta(minutes=15)
BATCH = 500
UNKNOWN = "unknown"

SWEEP_SEQUENCE = "sweep"  # the status "callback" the sweep applies has its own idempotency key


@dataclass
class SweepSummary:
    """What one sweep did."""

    ended_unknown: int = 0
    reconciled: Counter = field(default_factory=Counter)  # outcome -> count
    still_in_progress: int = 0
    errors: int = 0


def sweep_stuck_attempts(veille: Veille, now: datetime) -> SweepSummary:
    """End or reconcile every attempt stuck past its deadline (see the module docstring)."""
    summary = SweepSummary()
    with veille.session_factory.begin() as session:
        # A claim's deadline is the dispatcher's, in real time (the demo's clock runs faster).
        claimed_before = now - CLAIM_DEADLINE * veille.time_scale
        ended = attempts.end_unplaced_claims(session, claimed_before=claimed_before, now=now)
        silent = attempts.silent_calls(session, silent_since=now - SILENCE_DEADLINE, limit=BATCH)
    summary.ended_unknown += len(ended)
    if ended:
        log.warning("sweep.ended_unplaced count=%s attempt_ids=%s", len(ended), _ids(ended))
    for call in silent:
        _reconcile(veille, call, now, summary)
    if ended or silent:
        log.info("sweep.done ended_unknown=%s reconciled=%s still_in_progress=%s errors=%s",
                 summary.ended_unknown, sum(summary.reconciled.values()), summary.still_in_progress,
                 summary.errors)
    return summary


def _reconcile(veille: Veille, call: SilentCall, now: datetime, summary: SweepSummary) -> None:
    if call.provider_call_id is None:
        _end_unknown(veille, call, now, summary, "dialled without a provider call id")
        return
    try:
        status = veille.telephony.fetch_call_status(call.provider_call_id)
    except Exception as error:  # the provider is down: ask again at the next sweep
        summary.errors += 1
        log.warning("sweep.fetch_failed attempt_id=%s error=%s", call.id, type(error).__name__)
        return
    if status is None:
        _end_unknown(veille, call, now, summary, "the provider does not know this call")
        return
    status = status.lower()
    if status not in FINAL_STATUSES:
        summary.still_in_progress += 1
        log.info("sweep.still_in_progress attempt_id=%s status=%s", call.id, status)
        return
    _apply_final_status(veille, call, status, summary)


def _apply_final_status(veille: Veille, call: SilentCall, status: str, summary: SweepSummary) -> None:
    form = {"CallSid": call.provider_call_id, "CallStatus": status}
    apply_callback(veille, call.token, callbacks.status(form, sequence=SWEEP_SEQUENCE))
    with veille.session_factory() as session:
        state, outcome = session.execute(
            select(CallAttempt.state, CallAttempt.outcome).where(CallAttempt.id == call.id)).one()
    if state != "ended":
        summary.errors += 1
        log.error("sweep.not_settled attempt_id=%s state=%s status=%s", call.id, state, status)
        return
    summary.reconciled[outcome] += 1
    log.info("sweep.reconciled attempt_id=%s status=%s outcome=%s", call.id, status, log_class(outcome))


def _end_unknown(veille: Veille, call: SilentCall, now: datetime, summary: SweepSummary, why: str) -> None:
    with veille.session_factory.begin() as session:
        ended = attempts.end_silent_call(session, call, outcome=UNKNOWN, provider_status=None, now=now,
                                         error=why)
    if ended:  # otherwise a callback arrived meanwhile: it knows better
        summary.ended_unknown += 1
        log.info("sweep.ended_unknown attempt_id=%s why=%s", call.id, why)


def _ids(ids: list[int], shown: int = 20) -> str:
    text = ",".join(str(i) for i in ids[:shown])
    return text + (",..." if len(ids) > shown else "")
