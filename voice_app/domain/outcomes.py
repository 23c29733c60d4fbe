"""Outcomes of a call: what one attempt established, and what follows from it.

An attempt that is `ended` carries exactly one outcome. The outcome answers three questions
the rest of Veille asks, each with one function here:

- `is_reached(outcome)`: did the tenant give a key or a recognised word? Only then is the
  tenant "reached" (a call status of `completed` alone proves nothing: voicemail completes too).
- `is_retryable(outcome)`: should the round try again later (no answer, busy, voicemail,
  unknown)?
- `escalation_reason(outcome)`: which follow-up task (voice_app.domain.escalation.Reason)
  a person must do now, if any. The call service opens it in the same transaction that
  records the outcome, so a help request is never lost.

An outcome may be stored while the call is still `in_progress` (the tenant pressed 1 and is
hearing goodbye); it is final once the attempt is `ended`.

| outcome               | reached | retry | follow-up (reason)              |
|-----------------------|---------|-------|---------------------------------|
| ok                    | yes     | no    | -                               |
| help_health           | yes     | no    | help_health (urgent)            |
| help_food             | yes     | no    | help_food (high)                |
| help_other            | yes     | no    | help_other (normal)             |
| live_transfer         | yes     | no    | - (a volunteer took the call)   |
| live_transfer_missed  | yes     | no    | live_transfer_missed (urgent)   |
| opt_out               | yes     | no    | opt_out (low, coordinator)      |
| opt_out_unconfirmed   | yes     | no    | call_me_back (normal)           |
| opt_out_requested     | yes     | no    | opt_out_request (low, coordinator) |
| no_key                | no      | no    | no_key (high)                   |
| voicemail             | no      | yes   | - (the round retries)           |
| no_answer             | no      | yes   | - (the round retries)           |
| busy                  | no      | yes   | - (the round retries)           |
| failed                | no      | no    | - (the round opens invalid_number) |
| unknown               | no      | yes   | - (the sweep could not learn the call's fate) |

`failed` (invalid number, provider refusal, fax) is never retried; the round logic turns it
into a data-quality task. "Unreachable" follow-ups are a round-level decision, not a call's.

Logs never carry an outcome or a follow-up reason, only its class (`log_class`): `help_health`
next to a tenant id is health data (GDPR art. 9), and even a priority would tell health
(urgent) from food (high). Classes: `ok`, `transferred`, `needs_person`, `opted_out`,
`unreachable`, `failed`, `skipped`.
"""

from __future__ import annotations

from enum import StrEnum

from voice_app.domain.escalation import Reason


class Outcome(StrEnum):
    OK = "ok"  # 1 or "oui": all is well
    HELP_HEALTH = "help_health"  # 2 then 1
    HELP_FOOD = "help_food"  # 2 then 2
    HELP_OTHER = "help_other"  # 2 then 3, or 2 then anything / nothing
    LIVE_TRANSFER = "live_transfer"  # 0, and a volunteer took the call
    LIVE_TRANSFER_MISSED = "live_transfer_missed"  # 0, nobody on duty or nobody took it
    OPT_OUT = "opt_out"  # 9 then 9
    OPT_OUT_UNCONFIRMED = "opt_out_unconfirmed"  # 9 then nothing (calls continue)
    OPT_OUT_REQUESTED = "opt_out_requested"  # 9 then 9 on an inbound call: a request to confirm
    NO_KEY = "no_key"  # answered, never gave a usable key or word
    VOICEMAIL = "voicemail"  # an answering machine took the call
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # invalid number, provider failure, fax
    UNKNOWN = "unknown"  # set by the sweep: the provider never told us; retried, never re-dialled at once


class Skipped(StrEnum):
    """Why the dispatcher cancelled a claimed attempt without dialling it (stored as its outcome)."""

    OPT_OUT = "skipped_opt_out"  # opted out, or the number is on the suppression list
    UNENROLLED = "skipped_unenrolled"  # no enrolment, or unenrolled
    AWAY = "skipped_away"  # an away period covers the day


REACHED = frozenset({
    Outcome.OK, Outcome.HELP_HEALTH, Outcome.HELP_FOOD, Outcome.HELP_OTHER, Outcome.LIVE_TRANSFER,
    Outcome.LIVE_TRANSFER_MISSED, Outcome.OPT_OUT, Outcome.OPT_OUT_UNCONFIRMED, Outcome.OPT_OUT_REQUESTED,
})

SKIPPED = frozenset(Skipped)
RETRYABLE = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL, Outcome.UNKNOWN})

ESCALATIONS = {
    Outcome.HELP_HEALTH: Reason.HELP_HEALTH,
    Outcome.HELP_FOOD: Reason.HELP_FOOD,
    Outcome.HELP_OTHER: Reason.HELP_OTHER,
    Outcome.LIVE_TRANSFER_MISSED: Reason.LIVE_TRANSFER_MISSED,
    Outcome.OPT_OUT: Reason.OPT_OUT,
    Outcome.OPT_OUT_UNCONFIRMED: Reason.CALL_ME_BACK,
    Outcome.OPT_OUT_REQUESTED: Reason.OPT_OUT_REQUEST,
    Outcome.NO_KEY: Reason.NO_KEY,
}


def is_reached(outcome: str | None) -> bool:
    """True when the tenant gave a key or a recognised word during the call."""
    return outcome in REACHED


def is_retryable(outcome: str | None) -> bool:
    """True when the round should try this tenant again later (no answer, busy, voicemail, unknown)."""
    return outcome in RETRYABLE


def escalation_reason(outcome: str | None) -> Reason | None:
    """The follow-up this outcome needs at once, or None when no person is needed."""
    return ESCALATIONS.get(outcome) if outcome else None


LOG_CLASSES = {
    Outcome.OK: "ok",
    Outcome.LIVE_TRANSFER: "transferred",
    Outcome.HELP_HEALTH: "needs_person",
    Outcome.HELP_FOOD: "needs_person",
    Outcome.HELP_OTHER: "needs_person",
    Outcome.LIVE_TRANSFER_MISSED: "needs_person",
    Outcome.OPT_OUT_UNCONFIRMED: "needs_person",
    Outcome.OPT_OUT_REQUESTED: "needs_person",  # a coordinator confirms it
    Outcome.NO_KEY: "needs_person",
    Outcome.OPT_OUT: "opted_out",
    Outcome.VOICEMAIL: "unreachable",
    Outcome.NO_ANSWER: "unreachable",
    Outcome.BUSY: "unreachable",
    Outcome.UNKNOWN: "unreachable",
    Outcome.FAILED: "failed",
    Reason.UNREACHABLE: "unreachable",
    Reason.UNREACHABLE_TWICE: "unreachable",
    Reason.INVALID_NUMBER: "failed",
    Reason.CALL_ME_BACK: "needs_person",
}


def log_class(outcome_or_reason: str | None) -> str:
    """What a log line may say of an outcome or a follow-up reason (module docstring)."""
    if not outcome_or_reason:
        return "-"
    if outcome_or_reason in SKIPPED:
        return "skipped"
    return LOG_CLASSES.get(outcome_or_reason, "needs_person")
