"""Follow-up tasks as people read them: why, how urgent, and whether it is late.

Labels are the plain French a volunteer reads in their list; a task's reason is a code
(`help_health`), never shown raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from enum import StrEnum

from voice_app.domain.call_flow import State
from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason
from voice_app.domain.outcomes import Outcome as CallOutcome


class Status(StrEnum):
    """A follow-up as stored: open (nobody holds it), claimed (someone does) or done."""

    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


OPEN_STATUSES = (Status.OPEN, Status.CLAIMED)

REASON_LABELS = {
    Reason.LIVE_TRANSFER_MISSED: "a demandé à parler à quelqu’un, personne n’a décroché",
    Reason.HELP_HEALTH: "a demandé de l’aide : santé",
    Reason.HELP_FOOD: "a demandé de l’aide : courses ou repas",
    Reason.HELP_OTHER: "a demandé de l’aide : autre (logement, argent, solitude)",
    Reason.CALL_ME_BACK: "demande à être rappelé(e)",
    Reason.NO_KEY: "a décroché sans rien dire",
    Reason.UNREACHABLE: "n’a répondu à aucun des appels de la tournée",
    Reason.UNREACHABLE_TWICE: "injoignable deux tournées de suite : passage sur place",
    Reason.OPT_OUT: "a demandé à ne plus être appelé(e)",
    Reason.OPT_OUT_REQUEST: "a demandé par téléphone à ne plus être appelé(e) : à confirmer",
    Reason.INVALID_NUMBER: "numéro invalide : à corriger",
    Reason.REGULAR_CALL: "appel de convivialité (régulier)",
}

PRIORITY_LABELS = {Priority.URGENT: "urgent", Priority.HIGH: "prioritaire", Priority.NORMAL: "normal",
                   Priority.LOW: "faible"}

# Tasks for the coordinators only (data to fix, an opt-out to review): never offered to volunteers.
COORDINATOR_REASONS = frozenset({Reason.OPT_OUT, Reason.OPT_OUT_REQUEST, Reason.INVALID_NUMBER})


def reason_label(reason: str, attempts: int | None = None) -> str:
    if reason == Reason.UNREACHABLE and attempts:
        return f"n’a répondu à aucun des {attempts} appels de la tournée"
    return REASON_LABELS.get(reason, reason)


def elapsed_label(since: datetime, now: datetime) -> str:
    """`il y a 5 min`, `il y a 3 h`, `il y a 2 jours`: how long a task has waited."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"il y a {max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"il y a {seconds // 3600} h"
    days = seconds // 86400
    return f"il y a {days} jour{'s' if days > 1 else ''}"


# --- The task's lifecycle -----------------------------------------------------------------
#
# Theory of operation: a task is OFFERED (nobody holds it), ASSIGNED (one volunteer holds it)
# or DONE. Events come from people: a volunteer claims an offered task, a coordinator assigns
# or reassigns it, a volunteer who did not reach the tenant reschedules it (keeps it, later),
# releases it, or records the outcome, which completes it. The table below is the whole
# story: a pair that is not in it is refused, and nothing changes (a claim on a task already
# taken is the loser's 409; an outcome posted twice finds the task DONE).

class TaskState(StrEnum):
    OFFERED = "offered"
    ASSIGNED = "assigned"
    DONE = "done"


class TaskEvent(StrEnum):
    CLAIM = "claim"  # a volunteer takes an offered task
    ASSIGN = "assign"  # a coordinator gives it to someone (offered or held by another)
    RELEASE = "release"  # back to all (the holder is away, or gives it up)
    RESCHEDULE = "reschedule"  # not reached: the holder keeps it and tries again later
    COMPLETE = "complete"  # the outcome is recorded


TRANSITIONS: dict[tuple[TaskState, TaskEvent], TaskState] = {
    (TaskState.OFFERED, TaskEvent.CLAIM): TaskState.ASSIGNED,
    (TaskState.OFFERED, TaskEvent.ASSIGN): TaskState.ASSIGNED,
    (TaskState.OFFERED, TaskEvent.COMPLETE): TaskState.DONE,  # a coordinator closes a data task
    (TaskState.ASSIGNED, TaskEvent.ASSIGN): TaskState.ASSIGNED,
    (TaskState.ASSIGNED, TaskEvent.RELEASE): TaskState.OFFERED,
    (TaskState.ASSIGNED, TaskEvent.RESCHEDULE): TaskState.ASSIGNED,
    (TaskState.ASSIGNED, TaskEvent.COMPLETE): TaskState.DONE,
}


class TaskRefused(Exception):
    """The event does not apply to the task in its state (French message for the person)."""


REFUSALS = {
    TaskEvent.CLAIM: "Ce suivi vient d’être pris par un autre bénévole.",
    TaskEvent.COMPLETE: "Ce suivi est déjà clos.",
}


def task_state(status: str, assignee_id: int | None) -> TaskState:
    if status == Status.DONE:
        return TaskState.DONE
    return TaskState.ASSIGNED if assignee_id is not None else TaskState.OFFERED


def apply(state: TaskState, event: TaskEvent) -> TaskState:
    """The state after `event`, or TaskRefused when the table has no such move."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise TaskRefused(REFUSALS.get(event, "Ce suivi ne peut plus être modifié ainsi.")) from None


# --- The outcome a volunteer records ---------------------------------------------------------

class Referral(StrEnum):
    HEALTH = "health"  # services de santé
    FOOD = "food"  # portage de repas, aide alimentaire
    SOCIAL = "social"  # services sociaux, CCAS
    FIELD = "field"  # intervention sur place (gardien, bénévole)
    RENT = "rent"  # cellule sociale du bailleur (impayés)
    HOUSING = "housing"  # travaux, adaptation du logement
    NOTHING = "nothing"  # aucun besoin


REFERRAL_LABELS = {
    Referral.HEALTH: "Services de santé",
    Referral.FOOD: "Portage de repas ou aide alimentaire",
    Referral.SOCIAL: "Services sociaux, CCAS",
    Referral.FIELD: "Intervention sur place (gardien ou bénévole)",
    Referral.RENT: "Cellule sociale du bailleur (difficultés de loyer)",
    Referral.HOUSING: "Travaux ou adaptation du logement",
    Referral.NOTHING: "Aucun besoin",
}

MAX_NOTE_LENGTH = 2000
DEFAULT_HUMAN_CALL_DAYS = 7


@dataclass(frozen=True)
class Outcome:
    reached: bool
    referrals: frozenset[Referral] = frozenset()
    wants_regular_calls: bool = False
    note: str = ""
    next_contact_on: date | None = None


def outcome_problems(outcome: Outcome, today: date) -> list[str]:
    """Why an outcome cannot be recorded (French), empty when it can."""
    problems = []
    if outcome.reached and not outcome.referrals:
        problems.append("Locataire joint : cochez au moins une orientation, ou « Aucun besoin ».")
    if Referral.NOTHING in outcome.referrals and len(outcome.referrals) > 1:
        problems.append("« Aucun besoin » ne se coche pas avec une autre orientation.")
    if not outcome.reached and outcome.referrals:
        problems.append("Locataire non joint : pas d’orientation ; décochez-les, ou répondez « Oui » "
                        "si vous lui avez parlé.")
    if len(outcome.note) > MAX_NOTE_LENGTH:
        problems.append(f"La note dépasse {MAX_NOTE_LENGTH} caractères ({len(outcome.note)}).")
    if outcome.next_contact_on is not None and outcome.next_contact_on < today:
        problems.append("La date du prochain contact est passée.")
    return problems


CALL_OUTCOME_LABELS = {
    CallOutcome.OK: "a répondu : tout va bien", CallOutcome.HELP_HEALTH: "a demandé de l’aide : santé",
    CallOutcome.HELP_FOOD: "a demandé de l’aide : courses ou repas",
    CallOutcome.HELP_OTHER: "a demandé de l’aide : autre",
    CallOutcome.LIVE_TRANSFER: "a parlé à un bénévole",
    CallOutcome.LIVE_TRANSFER_MISSED: "a voulu parler à quelqu’un, personne n’a décroché",
    CallOutcome.OPT_OUT: "a demandé l’arrêt des appels",
    CallOutcome.OPT_OUT_UNCONFIRMED: "a tapé 9 sans confirmer",
    CallOutcome.NO_KEY: "a décroché sans rien dire", CallOutcome.VOICEMAIL: "répondeur",
    CallOutcome.NO_ANSWER: "pas de réponse", CallOutcome.BUSY: "occupé",
    CallOutcome.FAILED: "appel impossible (numéro)",
    CallOutcome.UNKNOWN: "issue inconnue",
}

KEY_LABELS = {
    "all_well": "tout va bien", "need_help": "besoin d’aide", "talk_now": "parler à quelqu’un",
    "stop": "arrêter les appels", "health": "santé", "food": "courses ou repas", "other": "autre",
    "stop_confirmed": "arrêt confirmé", "stop_cancelled": "arrêt annulé",
}


def call_outcome_label(outcome: str | None, state: str) -> str:
    if outcome is None:
        return "prévu" if state == State.DUE else "en cours"
    return CALL_OUTCOME_LABELS.get(outcome, outcome)
