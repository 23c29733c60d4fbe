"""The sweep: find attempts stuck on their way and settle them with the provider, never by re-dialling.

Two kinds of stuck attempts (each deadline is generous against normal operation):

- **Claimed, no provider call id, claimed more than CLAIM_DEADLINE ago.** The dispatcher died
  between claim and dial, or the provider's answer was ambiguous (`needs_reconciliation`).
  Without a call id we cannot ask the provider, and the process may have died after the
  provider accepted the call but before the id was recorded. So the attempt is ended with
  outcome `unknown` and is never re-dialled blindly: the round's retry logic treats `unknown`
  like `no_answer`, i.e. a NEW attempt later, in another half-day, never an immediate re-dial.
- **Dialled (queued, ringing, in progress), no callback for SILENCE_DEADLINE** (since the
  last event, else since dialling). The provider is asked (`fetch_call_status`):
  a final status ends the attempt with the matching outcome (FINAL_OUTCOMES; `completed` keeps
  an outcome already recorded, else `no_key` if a person answered, `voicemail` if a machine
  did, `no_answer` otherwise); a call still in progress is left alone; a call the provider does
  not know ends `unknown`; a provider error leaves it for the next sweep.

Every update is conditional on the state the sweep saw, so a late webhook always wins.
An outcome that needs a person (`no_key`) opens its follow-up in the same transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from db.repositories import attempts
from db.repositories.attempts import SilentCall
from voice_app.bootstrap import Veille
from voice_app.domain.escalation import Reason
from voice_app.services.escalations import open_follow_up

log = logging.getLogger("veille.sweep")

CLAIM_DEADLINE = timedelta(minutes=5)
SILENCE_DEADLINE = timedelta(minutes=15)
BATCH = 500
UNKNOWN = "unknown"

FINAL_OUTCOMES = {"busy": "busy", "no-answer": "no_answer", "failed": "failed", "canceled": "no_answer"}
IN_PROGRESS = frozenset({"queued", "initiated", "ringing", "in-progress"})


@dataclass
class SweepSummary:
    """What one sweep did."""

    ended_unknown: int = 0
    reconciled: Counter = field(default_factory=Counter)  # outcome -> count
    still_in_progress: int = 0
    errors: int = 0


def final_outcome(provider_status: str, call: SilentCall) -> str | None:
    """The outcome a final provider status gives this call, or None while it is in progress."""
    if provider_status in FINAL_OUTCOMES:
        return FINAL_OUTCOMES[provider_status]
    if provider_status != "completed":
        return None
    if call.outcome:
        return call.outcome
    if (call.answered_by or "").startswith("machine"):
        return "voicemail"
    if call.answered_at is not None or call.answered_by == "human":
        return "no_key"  # answered, pressed nothing: silence is never "ok"
    return "no_answer"


def sweep_stuck_attempts(veille: Veille, now: datetime) -> SweepSummary:
    """End or reconcile every attempt stuck past its deadline (see the module docstring)."""
    summary = SweepSummary()
    with veille.session_factory.begin() as session:
        ended = attempts.end_unplaced_claims(session, claimed_before=now - CLAIM_DEADLINE, now=now)
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
        _end(veille, call, UNKNOWN, None, now, summary, error="dialled without a provider call id")
        return
    try:
        status = veille.telephony.fetch_call_status(call.provider_call_id)
    except Exception as error:  # the provider is down: ask again at the next sweep
        summary.errors += 1
        log.warning("sweep.fetch_failed attempt_id=%s error=%s", call.id, type(error).__name__)
        return
    if status is None:
        _end(veille, call, UNKNOWN, None, now, summary, error="the provider does not know this call")
        return
    outcome = final_outcome(status, call)
    if outcome is None:
        summary.still_in_progress += 1
        log.info("sweep.still_in_progress attempt_id=%s status=%s", call.id, status)
        return
    _end(veille, call, outcome, status, now, summary)


def _end(veille: Veille, call: SilentCall, outcome: str, status: str | None, now: datetime,
         summary: SweepSummary, error: str | None = None) -> None:
    with veille.session_factory.begin() as session:
        if not attempts.end_silent_call(session, call, outcome=outcome, provider_status=status, now=now,
                                        error=error):
            return  # a callback arrived meanwhile: it knows better
        if outcome == "no_key":
            open_follow_up(session, organisation_id=call.organisation_id, tenant_id=call.tenant_id,
                           reason=Reason.NO_KEY, now=now, attempt_id=call.id)
    if outcome == UNKNOWN:
        summary.ended_unknown += 1
    else:
        summary.reconciled[outcome] += 1
    log.info("sweep.reconciled attempt_id=%s status=%s outcome=%s", call.id, status or "-", outcome)


def _ids(ids: list[int], shown: int = 20) -> str:
    text = ",".join(str(i) for i in ids[:shown])
    return text + (",..." if len(ids) > shown else "")
