"""Follow-up tasks as people read them: why, how urgent, and whether it is late.

Labels are the plain French a volunteer reads in their list; a task's reason is a code
(`help_health`), never shown raw.
"""

from __future__ import annotations

from datetime import datetime

from voice_app.domain.escalation import Priority
from voice_app.domain.escalation import Reason

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
    Reason.INVALID_NUMBER: "numéro invalide : à corriger",
}

PRIORITY_LABELS = {Priority.URGENT: "urgent", Priority.HIGH: "prioritaire", Priority.NORMAL: "normal",
                   Priority.LOW: "faible"}

# Tasks for the coordinators only (data to fix, an opt-out to review): never offered to volunteers.
COORDINATOR_REASONS = frozenset({Reason.OPT_OUT, Reason.INVALID_NUMBER})


def reason_label(reason: str, attempts: int | None = None) -> str:
    if reason == Reason.UNREACHABLE and attempts:
        return f"n’a répondu à aucun des {attempts} appels de la tournée"
    return REASON_LABELS.get(reason, reason)


def is_overdue(due_at: datetime, now: datetime) -> bool:
    return due_at < now


def elapsed_label(since: datetime, now: datetime) -> str:
    """`il y a 5 min`, `il y a 3 h`, `il y a 2 jours`: how long a task has waited."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"il y a {max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"il y a {seconds // 3600} h"
    days = seconds // 86400
    return f"il y a {days} jour{'s' if days > 1 else ''}"
